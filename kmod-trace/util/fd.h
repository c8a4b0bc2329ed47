// The owner of a file descriptor (a file, a BPF program, a perf event):
// closed exactly once, when the owner goes out of scope or is reset.
#pragma once

#include <unistd.h>
#include <utility>

namespace kt {

class unique_fd {
public:
	unique_fd() = default;
	explicit unique_fd(int fd) noexcept : fd_(fd) {}
	unique_fd(unique_fd &&o) noexcept : fd_(o.release()) {}
	unique_fd &operator=(unique_fd &&o) noexcept
	{
		reset(o.release());
		return *this;
	}
	unique_fd(const unique_fd &) = delete;
	unique_fd &operator=(const unique_fd &) = delete;
	~unique_fd() { reset(); }

	int get() const noexcept { return fd_; }
	explicit operator bool() const noexcept { return fd_ >= 0; }
	int release() noexcept { return std::exchange(fd_, -1); }
	void reset(int fd = -1) noexcept
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}
	// Closes now and returns close(2)'s result: a write the kernel
	// deferred may only report its error here.
	int close() noexcept
	{
		int r = fd_ >= 0 ? ::close(fd_) : 0;
		fd_ = -1;
		return r;
	}

private:
	int fd_ = -1;
};

} // namespace kt
