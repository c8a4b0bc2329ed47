#include "kmod-trace/trace/tracer.h"

#include "kmod-trace/trace/attempt_builder.h"
#include "kmod-trace/trace/offcpu_stacks.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/kernel/kernel_policy.h"
#include "kmod-trace/kernel/kernel_probe.h"
#include "kmod-trace/trace/probe_proto.h"
#include "kmod-trace/trace/trace_cause.h"

#include <linux/types.h>
#include "bpf/loadtrace.h"
#include "loadtrace.skel.h"

#include <bpf/bpf.h>
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
#include <optional>
#include <sys/syscall.h>
#include <unistd.h>

namespace kt {

namespace {

bool libbpf_verbose = false;
std::string libbpf_log;	// everything libbpf said during the current load

// Keeps libbpf's messages (its warnings carry the verifier's log), and
// passes them on under --verbose.
int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	char buf[4096];
	int n = std::vsnprintf(buf, sizeof buf, fmt, copy);
	va_end(copy);
	if (level != LIBBPF_DEBUG && n > 0 && libbpf_log.size() < (1u << 20))
		libbpf_log.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
	if (!libbpf_verbose)
		return 0;
	return std::vfprintf(stderr, fmt, ap);
}

struct skel_deleter {
	void operator()(loadtrace *s) const { loadtrace__destroy(s); }
};
struct ringbuf_deleter {
	void operator()(ring_buffer *r) const { ring_buffer__free(r); }
};
struct link_deleter {
	void operator()(bpf_link *l) const { bpf_link__destroy(l); }
};
using link_ptr = std::unique_ptr<bpf_link, link_deleter>;

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

// Without these there is no attempt to trace: load_module() brackets every
// load, and the notifier carries COMING, LIVE and GOING. Any other probe
// that fails is turned off and its phase goes unmeasured.
bool essential(const std::string &function)
{
	return function == "load_module" || function == "blocking_notifier_call_chain" ||
	       function == "blocking_notifier_call_chain_robust";
}

// resolve_symbol() runs once per undefined symbol: probing every call
// costs more than all the other probes together, so the phase is
// bracketed and counted from the symbol table instead (loadtrace.bpf.c)
// unless the caller wants the calls, or the bracket cannot be probed.
bool pick_resolve_calls(bpf_object *obj, std::vector<probe_choice> &probes, bool wanted)
{
	bool bracket = false;
	for (const auto &c : probes)
		bracket = bracket || (c.function == "setup_modinfo_srcversion" &&
				      (c.mode == probe_mode::fentry || c.mode == probe_mode::kprobe));
	if (wanted || !bracket)
		return true;
	probe_turn_off(obj, probes, "resolve_symbol");
	return false;
}

// With the sys_exit tracepoint the syscalls' own exit probes stay off
// (loadtrace.bpf.c says why).
void pick_syscall_exit(bpf_object *obj, const std::vector<probe_choice> &probes)
{
	bool exit_tp = false;
	for (const auto &c : probes)
		exit_tp = exit_tp || (c.function == "tp:sys_exit" && c.mode == probe_mode::tracepoint);
	if (!exit_tp)
		return;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		std::string sec = bpf_program__section_name(prog);
		if ((sec.rfind("fexit/__x64_sys_", 0) == 0 || sec.rfind("kretprobe/__x64_sys_", 0) == 0))
			bpf_program__set_autoload(prog, false);
	}
}

const probe_choice *choice_of(const std::vector<probe_choice> &probes, const std::string &function)
{
	for (const auto &c : probes)
		if (c.function == function)
			return &c;
	return nullptr;
}

std::string function_of_program(bpf_object *obj, const std::string &name)
{
	bpf_program *prog = bpf_object__find_program_by_name(obj, name.c_str());
	return prog ? probe_function_of(bpf_program__section_name(prog)) : "";
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
	std::vector<link_ptr> links;	// after skel: destroyed first
	std::unique_ptr<ring_buffer, ringbuf_deleter> rb;
	attempt_builder builder;
	std::vector<probe_choice> probes;
	std::unique_ptr<offcpu_probe> offcpu;
	std::function<std::string(const std::string &)> module_file;

	std::vector<init_symbol> init_symbols_of(const std::string &module) const
	{
		const std::string path = module_file ? module_file(module) : "";
		if (path.empty())
			return {};
		auto f = read_module_file(path);
		auto info = f ? parse_module(f->image) : result<module_info>(f.err());
		return info ? init_text_symbols(*info) : std::vector<init_symbol>{};
	}

	// The off-CPU rows of finished attempts, their stacks named from
	// kallsyms read once for them all.
	void add_offcpu(std::vector<attempt_record> &done)
	{
		if (!offcpu || done.empty())
			return;
		std::optional<kernel_symbols> syms;
		for (auto &a : done) {
			auto t = offcpu->take(a.attempt);
			a.offcpu.emplace();
			if (t.samples.empty())
				continue;
			if (!syms)
				syms = kernel_symbols::read();
			a.offcpu = describe_offcpu(t, *syms, a.module, init_symbols_of(a.module));
		}
		if (builder.open_count() == 0)
			offcpu->forget_stacks();
	}

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

namespace {

// One pass: a fresh skeleton with the choices applied, loaded and attached.
// A failure names the function whose program failed (or none), for
// tracer::open to turn it off and try again, or to report.
struct pass_failure {
	trace_facts::stage at;
	int err;
	std::string function;
	libbpf_failure libbpf;
};

} // namespace

struct tracer::builder {
	const trace_options &opts;
	kernel_probe &k;
	std::vector<probe_choice> base;	// as probed
	// What the passes learned, applied over `base` in order: a function
	// moved to its kprobe, or failed (turned off), with the note why.
	std::vector<probe_choice> learned;
	stage_times st;

	std::vector<probe_choice> choices() const
	{
		auto c = base;
		for (auto &x : c)
			for (const auto &l : learned)
				if (x.function == l.function)
					x = l;
		return c;
	}

	// An fentry program the kernel verified but could not attach (no
	// trampoline for the function: bpf_trampoline_link_prog()) gets the
	// function's kprobe instead, once.
	bool kprobe_instead(const pass_failure &f)
	{
		const probe_choice *c = choice_of(base, f.function);
		if (f.at != trace_facts::stage::attach || !c || c->mode != probe_mode::fentry)
			return false;
		if (choice_of(learned, f.function) || !k.kprobe_exists(f.function))
			return false;
		learned.push_back({f.function, probe_mode::kprobe,
				   std::string("fentry cannot attach (") + std::strerror(-f.err) + "): kprobe instead"});
		return true;
	}

	std::string check(const probe_program &p) const
	{
		// KT_PROTO_CHECK=0 loads every program of the chosen pair as a
		// kernel without BTF prototypes would: the VM test of the
		// verifier's refusal (tests/vm/scenarios.sh).
		const char *env = std::getenv("KT_PROTO_CHECK");
		const proto_need *need = find_proto_need(p.name);
		if (!need || (env && std::string(env) == "0"))
			return "";
		auto proto = k.prototype(probe_function_of(p.section));
		if (!proto)
			return "";
		return proto_mismatch(*need, *proto, p.section.rfind("fexit/", 0) == 0);
	}

	std::optional<pass_failure> pass(impl &p)
	{
		p.links.clear();
		p.rb.reset();
		p.skel.reset(loadtrace__open());
		if (!p.skel)
			return pass_failure{trace_facts::stage::load, -errno, "", {}};
		p.skel->rodata->targ_tgid = static_cast<__u32>(opts.tgid);
		if (opts.ringbuf_bytes)
			(void)bpf_map__set_max_entries(p.skel->maps.events, opts.ringbuf_bytes);
		p.probes = choices();
		probe_apply(p.skel->obj, p.probes, [this](const probe_program &x) { return check(x); });
		p.skel->rodata->targ_resolve_calls = pick_resolve_calls(p.skel->obj, p.probes, opts.resolve_calls);
		pick_syscall_exit(p.skel->obj, p.probes);
		for (const auto &c : p.probes)
			if (essential(c.function) && c.mode == probe_mode::failed)
				return pass_failure{trace_facts::stage::load, -EINVAL, c.function, {"", "", c.note}};
		const probe_choice *lm = choice_of(p.probes, "load_module");
		if (!lm || lm->mode == probe_mode::unavailable || lm->mode == probe_mode::failed)
			return pass_failure{trace_facts::stage::probe, -ENOSYS, "load_module", {}};

		auto t = std::chrono::steady_clock::now();
		libbpf_log.clear();
		int err = loadtrace__load(p.skel.get());
		st.load_ms += ms_since(t);
		if (err) {
			auto l = parse_libbpf_log(libbpf_log);
			return pass_failure{trace_facts::stage::load, err, function_of_program(p.skel->obj, l.program), l};
		}
		t = std::chrono::steady_clock::now();
		auto f = attach_all(p);
		st.attach_ms += ms_since(t);
		return f;
	}

	// Each loaded program on its own, so a failure names its function.
	// KT_ATTACH_FAIL=FUNCTION refuses that function's fentry/fexit attach
	// with -EBUSY, as a kernel without a trampoline for it would: the VM
	// test of the kprobe fallback (tests/vm/scenarios.sh).
	std::optional<pass_failure> attach_all(impl &p)
	{
		const char *refuse = std::getenv("KT_ATTACH_FAIL");
		bpf_program *prog;
		bpf_object__for_each_program(prog, p.skel->obj) {
			if (!bpf_program__autoload(prog))
				continue;
			const std::string sec = bpf_program__section_name(prog);
			if (refuse && probe_function_of(sec) == refuse &&
			    (sec.rfind("fentry/", 0) == 0 || sec.rfind("fexit/", 0) == 0))
				return pass_failure{trace_facts::stage::attach, -EBUSY, refuse, {}};
			link_ptr link(bpf_program__attach(prog));
			if (!link) {
				int err = -errno;
				return pass_failure{trace_facts::stage::attach, err,
						    probe_function_of(bpf_program__section_name(prog)), {}};
			}
			p.links.push_back(std::move(link));
		}
		return std::nullopt;
	}

	static double ms_since(std::chrono::steady_clock::time_point t)
	{
		return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
	}

	// The note a turned-off probe keeps: what failed, in the kernel's words.
	static std::string note_of(const pass_failure &f)
	{
		if (f.at == trace_facts::stage::attach)
			return std::string("cannot attach: ") + std::strerror(-f.err);
		if (!f.libbpf.verifier_message.empty())
			return "the verifier refused " + f.libbpf.program + ": " + f.libbpf.verifier_message;
		return "cannot load " + f.libbpf.program + ": " + f.libbpf.last_line;
	}

	error fatal(const pass_failure &f) const
	{
		trace_facts facts;
		facts.at = f.at;
		facts.policy = read_kernel_policy();
		facts.err = f.err;
		facts.function = f.function;
		facts.libbpf = f.libbpf;
		if (!f.function.empty()) {
			facts.in_btf = k.prototype(f.function).has_value();
			facts.in_kallsyms = kernel_probe::in_kallsyms(f.function);
			const probe_choice *c = choice_of(base, f.function);
			facts.kprobe = c && c->mode == probe_mode::kprobe;
		}
		auto e = trace_failure(facts);
		return make_error(e.code ? e.code : -EINVAL, e.message);
	}
};

result<std::unique_ptr<tracer>> tracer::open(const trace_options &opts)
{
	auto t0 = std::chrono::steady_clock::now();
	libbpf_verbose = opts.verbose;
	libbpf_set_print(print_libbpf);
	if (opts.ringbuf_bytes) {
		// a power of two, at least the page size (BPF_MAP_TYPE_RINGBUF)
		uint32_t b = opts.ringbuf_bytes;
		if (b < static_cast<uint32_t>(sysconf(_SC_PAGESIZE)) || (b & (b - 1)))
			return make_error(EINVAL, "bad ring buffer size " + std::to_string(b) +
							  " (a power of two, at least the page size)");
	}

	auto p = std::make_unique<impl>();
	kernel_probe k;
	builder b{opts, k, {}, {}, {}};
	{
		std::unique_ptr<loadtrace, skel_deleter> skel(loadtrace__open());
		if (!skel)
			return make_error(errno, std::string("cannot open the BPF object: ") + std::strerror(errno));
		b.base = probe_select(skel->obj, [&k](const std::string &fn) { return how_to_probe(k, fn); }, nullptr);
	}
	b.st.probe_ms = builder::ms_since(t0);
	// Every function may move from fentry to kprobe once, and every
	// optional one fail once; then the tracer runs without it.
	const size_t most = 2 * b.base.size();
	for (size_t tries = 0; tries <= most; tries++) {
		auto f = b.pass(*p);
		if (!f)
			break;
		if (b.kprobe_instead(*f))
			continue;
		if (f->function.empty() || essential(f->function) || tries == most)
			return b.fatal(*f);
		b.learned.push_back({f->function, probe_mode::failed, builder::note_of(*f)});
	}
	p->rb.reset(ring_buffer__new(bpf_map__fd(p->skel->maps.events), impl::on_event, p.get(), nullptr));
	if (!p->rb)
		return make_error(errno, std::string("cannot open the ring buffer: ") + std::strerror(errno));
	if (opts.offcpu) {
		auto o = offcpu_probe::open(bpf_map__fd(p->skel->maps.inflight));
		if (!o)
			return o.err();
		p->offcpu = std::move(o.value());
	}

	std::unique_ptr<tracer> t(new tracer(std::move(p)));
	t->attach_ms_ = builder::ms_since(t0);
	t->stages_ = b.st;
	return t;
}

std::vector<probe_program> loadtrace_programs()
{
	std::vector<probe_program> out;
	std::unique_ptr<loadtrace, skel_deleter> skel(loadtrace__open());
	if (!skel)
		return out;
	bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
		out.push_back({bpf_program__name(prog), bpf_program__section_name(prog)});
	return out;
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
	auto done = p_->builder.take(ready);
	p_->add_offcpu(done);
	return done;
}

void tracer::set_module_files(std::function<std::string(const std::string &)> module_file)
{
	p_->module_file = std::move(module_file);
}

size_t tracer::open_attempts() const
{
	return p_->builder.open_count();
}

uint64_t tracer::lost_events() const
{
	return dropped_events() + missed_runs();
}

uint64_t tracer::dropped_events() const
{
	return p_->skel->bss->lost_events + (p_->offcpu ? p_->offcpu->dropped() : 0);
}

// A tracing program runs with migration, not preemption, disabled; a task
// that enters it while another task on the same CPU was preempted inside
// it is skipped by the kernel's recursion guard (__bpf_prog_enter_recur(),
// __bpf_trace_run()), which only counts it. On a PREEMPT_LAZY kernel
// (sid's 7.2), whose sys_exit tracepoint is faultable and so runs its
// programs preemptible, concurrent loads on one CPU were seen to lose
// their END events this way. Not counted: the two sys_exit programs,
// which run at every syscall's exit (nearly all of their skips are other
// syscalls'), and of which either ends the attempt.
uint64_t tracer::missed_runs() const
{
	uint64_t n = 0;
	bpf_program *prog;
	bpf_object__for_each_program(prog, p_->skel->obj) {
		if (prog == p_->skel->progs.on_sys_exit || prog == p_->skel->progs.on_sys_exit2)
			continue;
		int fd = bpf_program__fd(prog);
		bpf_prog_info info{};
		__u32 len = sizeof(info);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += info.recursion_misses;
	}
	return n;
}

const std::vector<probe_choice> &tracer::probes() const
{
	return p_->probes;
}

bool tracer::probed(const std::string &function) const
{
	for (const auto &c : p_->probes)
		if (c.function == function)
			return c.mode == probe_mode::fentry || c.mode == probe_mode::kprobe ||
			       c.mode == probe_mode::tracepoint;
	return false;
}

} // namespace kt
