#include "kmod-trace/trace/tracer.h"

#include "kmod-trace/trace/attempt_builder.h"
#include "kmod-trace/util/capability.h"
#include "kmod-trace/kernel/kernel_probe.h"

#include <linux/types.h>
#include "bpf/loadtrace.h"
#include "loadtrace.skel.h"

#include <bpf/libbpf.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/syscall.h>
#include <unistd.h>

namespace kt {

namespace {

bool libbpf_verbose = false;

int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose)
		return 0;
	(void)level;
	return std::vfprintf(stderr, fmt, ap);
}

struct skel_deleter {
	void operator()(loadtrace *s) const { loadtrace__destroy(s); }
};
struct ringbuf_deleter {
	void operator()(ring_buffer *r) const { ring_buffer__free(r); }
};

std::string privilege_hint(int err)
{
	if (err == -EPERM || err == -EACCES)
		return " (tracing needs root, or CAP_BPF with CAP_PERFMON)";
	return "";
}

probe_mode how_to_probe(kernel_probe &k, const std::string &fn)
{
	if (fn.rfind("tp:", 0) == 0)
		return k.tp_btf_exists(fn.substr(3)) ? probe_mode::tracepoint : probe_mode::unavailable;
	if (k.fentry_can_attach(fn))
		return probe_mode::fentry;
	if (k.kprobe_exists(fn))
		return probe_mode::kprobe;
	return probe_mode::unavailable;
}

// resolve_symbol() runs once per undefined symbol: probing every call
// costs more than all the other probes together, so the phase is
// bracketed and counted from the symbol table instead (loadtrace.bpf.c)
// unless the caller wants the calls, or the bracket cannot be probed.
bool pick_resolve_calls(bpf_object *obj, std::vector<probe_choice> &probes, bool wanted)
{
	bool bracket = false;
	for (const auto &c : probes)
		bracket = bracket || (c.function == "setup_modinfo_srcversion" && c.mode != probe_mode::unavailable);
	if (wanted || !bracket)
		return true;
	probe_turn_off(obj, probes, "resolve_symbol");
	return false;
}

} // namespace

uint64_t monotonic_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct tracer::impl {
	std::unique_ptr<loadtrace, skel_deleter> skel;
	std::unique_ptr<ring_buffer, ringbuf_deleter> rb;
	attempt_builder builder;
	std::vector<probe_choice> probes;

	static int on_event(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<impl *>(ctx);
		uint32_t kind = 0;
		if (size < sizeof kind)
			return 0;
		std::memcpy(&kind, data, sizeof kind);
		if (kind == KT_EV_LOG) {
			// Variable length: the header, then as much text as was sent.
			constexpr size_t head = offsetof(kt_log_event, text);
			if (size < head)
				return 0;
			kt_log_event ev;
			std::memcpy(&ev, data, std::min(size, sizeof ev));
			ev.len = static_cast<uint32_t>(std::min<size_t>({ev.len, size - head, sizeof ev.text}));
			self->builder.add(ev);
			return 0;
		}
		if (size < sizeof(kt_event))
			return 0;
		kt_event ev;
		std::memcpy(&ev, data, sizeof ev);
		self->builder.add(ev);
		return 0;
	}
};

tracer::tracer(std::unique_ptr<impl> p) : p_(std::move(p)) {}
tracer::~tracer() = default;

result<std::unique_ptr<tracer>> tracer::open(const trace_options &opts)
{
	auto t0 = std::chrono::steady_clock::now();
	libbpf_verbose = opts.verbose;
	libbpf_set_print(print_libbpf);

	auto p = std::make_unique<impl>();
	p->skel.reset(loadtrace__open());
	if (!p->skel)
		return make_error(errno, std::string("cannot open the BPF object: ") + std::strerror(errno));
	p->skel->rodata->targ_tgid = static_cast<__u32>(opts.tgid);
	if (opts.ringbuf_bytes &&
	    bpf_map__set_max_entries(p->skel->maps.events, opts.ringbuf_bytes))
		return make_error(EINVAL, "bad ring buffer size " + std::to_string(opts.ringbuf_bytes) +
						  " (a power of two, at least the page size)");
	auto ms_since = [](std::chrono::steady_clock::time_point t) {
		return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
	};
	stage_times st;
	{
		kernel_probe k;
		p->probes = probe_select(p->skel->obj, [&k](const std::string &fn) { return how_to_probe(k, fn); });
	}
	p->skel->rodata->targ_resolve_calls = pick_resolve_calls(p->skel->obj, p->probes, opts.resolve_calls);
	st.probe_ms = ms_since(t0);
	// With the sys_exit tracepoint the syscalls' own exit probes stay off
	// (loadtrace.bpf.c says why).
	bool exit_tp = false;
	for (const auto &c : p->probes)
		exit_tp = exit_tp || (c.function == "tp:sys_exit" && c.mode == probe_mode::tracepoint);
	if (exit_tp) {
		bpf_program *prog;
		bpf_object__for_each_program(prog, p->skel->obj) {
			std::string sec = bpf_program__section_name(prog);
			if ((sec.rfind("fexit/__x64_sys_", 0) == 0 || sec.rfind("kretprobe/__x64_sys_", 0) == 0))
				bpf_program__set_autoload(prog, false);
		}
	}
	bool have_loader = false;
	for (const auto &c : p->probes)
		have_loader = have_loader || (c.function == "load_module" && c.mode != probe_mode::unavailable);
	// Without privilege the loader functions cannot even be listed, so
	// name the missing capability rather than blame the kernel.
	if (!have_loader && !has_capability(CAP_SYS_ADMIN) &&
	    !(has_capability(CAP_BPF) && has_capability(CAP_PERFMON)))
		return make_error(EPERM, "tracing needs root, or CAP_BPF with CAP_PERFMON, which this "
					 "process does not have");
	if (!have_loader)
		return make_error(ENOSYS, "this kernel has no load_module() to trace "
					  "(built without CONFIG_MODULES, or no BTF and no kprobes)");

	auto t1 = std::chrono::steady_clock::now();
	int err = loadtrace__load(p->skel.get());
	st.load_ms = ms_since(t1);
	if (err)
		return make_error(err, std::string("cannot load the BPF programs: ") +
					       std::strerror(-err) + privilege_hint(err));
	auto t2 = std::chrono::steady_clock::now();
	err = loadtrace__attach(p->skel.get());
	st.attach_ms = ms_since(t2);
	if (err)
		return make_error(err, std::string("cannot attach to the module loader: ") +
					       std::strerror(-err) + privilege_hint(err));
	p->rb.reset(ring_buffer__new(bpf_map__fd(p->skel->maps.events), impl::on_event, p.get(), nullptr));
	if (!p->rb)
		return make_error(errno, std::string("cannot open the ring buffer: ") + std::strerror(errno));

	std::unique_ptr<tracer> t(new tracer(std::move(p)));
	t->attach_ms_ = ms_since(t0);
	t->stages_ = st;
	return t;
}

result<int> tracer::poll(int timeout_ms)
{
	int n = ring_buffer__poll(p_->rb.get(), timeout_ms);
	if (n < 0 && n != -EINTR)
		return make_error(n, std::string("ring buffer poll failed: ") + std::strerror(-n));
	// Most events are sent without a wakeup (loadtrace_state.bpf.h):
	// take whatever is there, woken or not.
	int m = ring_buffer__consume(p_->rb.get());
	if (m < 0 && m != -EINTR)
		return make_error(m, std::string("ring buffer read failed: ") + std::strerror(-m));
	return (n < 0 ? 0 : n) + (m < 0 ? 0 : m);
}

std::vector<attempt_record> tracer::take(const std::function<bool(const attempt_record &)> &ready)
{
	return p_->builder.take(ready);
}

size_t tracer::open_attempts() const
{
	return p_->builder.open_count();
}

uint64_t tracer::lost_events() const
{
	return p_->skel->bss->lost_events;
}

const std::vector<probe_choice> &tracer::probes() const
{
	return p_->probes;
}

bool tracer::probed(const std::string &function) const
{
	for (const auto &c : p_->probes)
		if (c.function == function)
			return c.mode != probe_mode::unavailable && c.mode != probe_mode::off;
	return false;
}

} // namespace kt
