// Typed results across the library boundary: a value, or an error that
// carries a negative errno and a message. The library never prints and
// never throws across its API; the CLI decides what to show and exit with.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace kt {

struct error {
	int code = -EINVAL;	// negative errno
	std::string message;
};

inline error make_error(int code, std::string message)
{
	return error{code < 0 ? code : -code, std::move(message)};
}

// [[nodiscard]]: a dropped result is a dropped error.
template <typename T>
class [[nodiscard]] result {
public:
	result(T value) : v_(std::move(value)) {}
	result(error err) : v_(std::move(err)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() & { return std::get<0>(v_); }
	const T &value() const & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	T &operator*() { return value(); }
	const T &operator*() const { return value(); }
	const kt::error &err() const { return std::get<1>(v_); }

private:
	std::variant<T, kt::error> v_;
};

template <>
class [[nodiscard]] result<void> {
public:
	result() = default;
	result(error err) : err_(std::move(err)), ok_(false) {}
	bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	const kt::error &err() const { return err_; }

private:
	kt::error err_;
	bool ok_ = true;
};

} // namespace kt
