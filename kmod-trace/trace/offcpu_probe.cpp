#include "kmod-trace/trace/offcpu_probe.h"

#include <linux/types.h>
#include "bpf/loadtrace.h"
#include "bpf/offcpu.h"
#include "offcpu.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>

namespace kt {

namespace {

struct skel_deleter {
	void operator()(offcpu *s) const { offcpu__destroy(s); }
};

// Every key of a BPF hash map (keys are read first, then used: a map
// changed while iterated may restart the walk, never skip live keys).
template <typename Key>
std::vector<Key> map_keys(int fd)
{
	std::vector<Key> keys;
	Key k{}, next{};
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		keys.push_back(next);
		k = next;
		prev = &k;
		if (keys.size() > (1u << 20))
			break;
	}
	return keys;
}

} // namespace

struct offcpu_probe::impl {
	std::unique_ptr<offcpu, skel_deleter> skel;
	std::set<int32_t> stacks_seen;
};

offcpu_probe::offcpu_probe(std::unique_ptr<impl> p) : p_(std::move(p)) {}
offcpu_probe::~offcpu_probe() = default;

result<std::unique_ptr<offcpu_probe>> offcpu_probe::open(int inflight_fd)
{
	auto p = std::make_unique<impl>();
	p->skel.reset(offcpu__open());
	if (!p->skel)
		return make_error(errno, std::string("cannot open the off-CPU BPF object: ") + std::strerror(errno));
	if (int err = bpf_map__reuse_fd(p->skel->maps.inflight, inflight_fd))
		return make_error(err, std::string("cannot share the tracer's map with the off-CPU program: ") +
					       std::strerror(-err));
	if (int err = offcpu__load(p->skel.get()))
		return make_error(err, std::string("cannot load the off-CPU program: ") + std::strerror(-err));
	if (int err = offcpu__attach(p->skel.get()))
		return make_error(err, std::string("cannot attach the off-CPU program to sched_switch: ") +
					       std::strerror(-err));
	return std::unique_ptr<offcpu_probe>(new offcpu_probe(std::move(p)));
}

offcpu_take offcpu_probe::take(uint64_t attempt)
{
	offcpu_take out;
	const int acc = bpf_map__fd(p_->skel->maps.offcpu_acc);
	const int stacks = bpf_map__fd(p_->skel->maps.offcpu_stacks);
	for (const auto &key : map_keys<kt_offcpu_key>(acc)) {
		if (key.attempt != attempt)
			continue;
		kt_offcpu_val v{};
		if (bpf_map_lookup_elem(acc, &key, &v) != 0)
			continue;
		bpf_map_delete_elem(acc, &key);
		offcpu_sample s{key.phase, v.ns, v.count, {}};
		__u64 ips[KT_OFFCPU_DEPTH] = {};
		if (key.stack_id >= 0 && bpf_map_lookup_elem(stacks, &key.stack_id, ips) == 0) {
			p_->stacks_seen.insert(key.stack_id);
			for (__u64 ip : ips)
				if (ip)
					s.frames.push_back(ip);
		}
		out.samples.push_back(std::move(s));
	}
	const int text = bpf_map__fd(p_->skel->maps.module_text);
	kt_module_text t{};
	if (bpf_map_lookup_elem(text, &attempt, &t) == 0) {
		out.text = module_text_range{t.core_base, t.core_size, t.init_base, t.init_size};
		bpf_map_delete_elem(text, &attempt);
	}
	return out;
}

void offcpu_probe::forget_stacks()
{
	const int stacks = bpf_map__fd(p_->skel->maps.offcpu_stacks);
	for (int32_t id : p_->stacks_seen)
		bpf_map_delete_elem(stacks, &id);
	p_->stacks_seen.clear();
}

uint64_t offcpu_probe::dropped() const
{
	return p_->skel->bss->offcpu_dropped;
}

} // namespace kt
