// compare --html: the page is self-contained, escapes what it shows, and
// renders its charts in headless Chromium (skipped where it is missing).
#include "kmod-trace/bench/bench_compare.h"
#include "kmod-trace/bench/bench_html.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <unistd.h>

using namespace kt::bench;

namespace {

const std::string fixtures = std::string(KT_SOURCE_DIR) + "/tests/fixtures/bench/";

std::string page(std::vector<results> &in)
{
	for (const char *f : {"kt_heavy-6.1.json", "kt_heavy-6.12.json"})
		in.push_back(read_results(fixtures + f).value());
	auto c = compare_results(in, {}, {});
	return render_compare_html(c.value(), in, "test");
}

std::string chromium()
{
	for (const char *p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
		if (access(p, X_OK) == 0)
			return p;
	return "";
}

std::string run(const std::string &cmd)
{
	std::string out;
	FILE *f = popen(cmd.c_str(), "r");
	if (!f)
		return out;
	std::array<char, 65536> buf;
	size_t n;
	while ((n = fread(buf.data(), 1, buf.size(), f)) > 0)
		out.append(buf.data(), n);
	pclose(f);
	return out;
}

} // namespace

TEST(compare_html, self_contained_and_escaped)
{
	std::vector<results> in;
	const std::string html = page(in);
	EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));	// only the SVG namespace
	EXPECT_EQ(html.find("https://"), std::string::npos);
	EXPECT_EQ(html.find("src=\""), std::string::npos);	// no external script or image
	EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
	EXPECT_NE(html.find("<svg id=\"kt-bars\""), std::string::npos);
	EXPECT_NE(html.find("REGRESSION"), std::string::npos);
	EXPECT_EQ(html_escape("<b a=\"x\">&'"), "&lt;b a=&quot;x&quot;&gt;&amp;&#39;");
	// A kernel release with markup stays text, even inside the data block.
	in[1].machine.kernel_release = "</script><img src=x>";
	auto c = compare_results(in, {}, {});
	const std::string evil = render_compare_html(c.value(), in, "test");
	EXPECT_EQ(evil.find("</script><img"), std::string::npos);
}

TEST(compare_html, renders_in_headless_chromium)
{
	const std::string browser = chromium();
	if (browser.empty())
		GTEST_SKIP() << "chromium is not installed (apt-get install --no-install-recommends chromium)";
	std::vector<results> in;
	char dir[] = "/tmp/kt-html-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	const std::string file = std::string(dir) + "/compare.html";
	std::ofstream(file) << page(in);
	const std::string dom = run("timeout 90 " + browser +
				    " --headless --no-sandbox --disable-gpu --disable-background-networking"
				    " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
				    dir + "/profile --dump-dom file://" + file + " 2>/dev/null");
	std::system(("rm -rf " + std::string(dir)).c_str());
	ASSERT_FALSE(dom.empty()) << "chromium printed no DOM";
	// The script drew one chart per metric with every sample as a dot.
	size_t metrics = in[0].metrics.size(), samples = 0;
	for (const auto &r : in)
		for (const auto &m : r.metrics)
			samples += m.samples_ns.size();
	std::smatch m;
	ASSERT_TRUE(std::regex_search(dom, m, std::regex("id=\"kt-status\" data-charts=\"(\\d+)\" data-points=\"(\\d+)\"")))
		<< dom.substr(0, 2000);
	EXPECT_EQ(std::stoul(m[1]), metrics);
	EXPECT_EQ(std::stoul(m[2]), samples);
	size_t dots = 0;
	for (size_t p = 0; (p = dom.find("<circle class=\"pt\"", p)) != std::string::npos; p++)
		dots++;
	EXPECT_EQ(dots, samples);
	EXPECT_NE(dom.find("rendered " + std::to_string(metrics) + " distributions"), std::string::npos);
	// The bars and the table carry the medians.
	EXPECT_NE(dom.find("data-metric=\"resolve\""), std::string::npos);
	EXPECT_NE(dom.find("<tr class=\"v-REGRESSION\""), std::string::npos);
}
