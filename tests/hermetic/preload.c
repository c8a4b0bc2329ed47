/*
 * LD_PRELOAD library for hermetic load tests, in the manner of kmod's
 * testsuite (testsuite/init_module.c, delete_module.c, path.c, uname.c):
 * no root, no module support in the kernel, no VM.
 *
 * - init_module(), finit_module() and delete_module() never reach the
 *   kernel, whether called through glibc's wrappers or through syscall()
 *   (libkmod 30 calls glibc's init_module() and delete_module(), and
 *   finit_module() through syscall(__NR_finit_module, ...)).
 * - The module's name is read as the kernel reads it: struct module's name
 *   in .gnu.linkonce.this_module, or failing that modinfo's name=.
 * - The answer comes from KT_FAKE_ERRNO="kt_hello:0,kt_dep_user:ENOENT"
 *   (default 0; a name of * matches every module). Unloads use
 *   KT_FAKE_UNLOAD_ERRNO the same way.
 * - A successful load adds the module to the fake root's proc/modules and
 *   sys/module/NAME/{initstate,refcnt,holders}; an unload removes it; a
 *   second load of a loaded module fails with EEXIST as the kernel does.
 * - Every call is appended to KT_FAKE_LOG as one line:
 *     finit_module name=kt_hello flags=0x3 args=[delay=5] -> 0
 *     init_module name=kt_hello len=1234 args=[] -> -17
 *     delete_module name=kt_hello flags=0x800 -> 0
 * - With KT_FAKE_ROOT=DIR, paths under /proc/modules, /proc/cmdline,
 *   /proc/config.gz, /boot, /sys/module, /lib/modules and the modprobe.d
 *   directories are looked
 *   up under DIR instead; everything else is untouched.
 * - KT_FAKE_RELEASE replaces uname()'s release (libkmod's /lib/modules
 *   directory name).
 * - finit_module() with MODULE_INIT_COMPRESSED_FILE decompresses an xz
 *   file as a kernel with CONFIG_MODULE_DECOMPRESS does, or, with
 *   KT_FAKE_NO_DECOMPRESS set, answers -EOPNOTSUPP as one without does.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

/* offsetof(struct module, name) on 64-bit: enum state (4, padded to 8),
 * struct list_head list (16). */
#define THIS_MODULE_NAME_OFFSET 24
#define MODULE_NAME_LEN 56

static const char *const redirected[] = {
	"/proc/modules", "/proc/cmdline", "/proc/config.gz", "/boot", "/sys/module", "/lib/modules",
	"/etc/modprobe.d", "/run/modprobe.d", "/lib/modprobe.d", "/usr/lib/modprobe.d",
	"/usr/local/lib/modprobe.d", "/etc/modprobe.conf", "/etc/depmod.d",
};

/* The path to use: PATH itself, or KT_FAKE_ROOT + PATH in BUF. */
static const char *trap_path(const char *path, char *buf)
{
	const char *root = getenv("KT_FAKE_ROOT");
	size_t i;

	if (!path) {
		errno = EFAULT;
		return NULL;
	}
	if (!root || !*root || path[0] != '/')
		return path;
	for (i = 0; i < sizeof(redirected) / sizeof(redirected[0]); i++) {
		size_t n = strlen(redirected[i]);
		if (strncmp(path, redirected[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			if ((size_t)snprintf(buf, PATH_MAX, "%s%s", root, path) >= PATH_MAX) {
				errno = ENAMETOOLONG;
				return NULL;
			}
			return buf;
		}
	}
	return path;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void fake_log(const char *fmt, ...)
{
	const char *p = getenv("KT_FAKE_LOG");
	va_list ap;
	FILE *f;
	int fd;

	if (!p || !*p)
		return;
	fd = REAL(open)(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* ---- module names ---- */

static int name_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return i > 0 && i < max;
}

/* The name of the module in IMAGE, into OUT; 0 or -ENOEXEC. */
static int module_name(const unsigned char *image, size_t len, char out[MODULE_NAME_LEN])
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
	const Elf64_Shdr *sh;
	const char *strtab;
	size_t i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > len || eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -ENOEXEC;
	sh = (const Elf64_Shdr *)(image + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset > len || sh[eh->e_shstrndx].sh_size > len - sh[eh->e_shstrndx].sh_offset)
		return -ENOEXEC;
	strtab = (const char *)image + sh[eh->e_shstrndx].sh_offset;

	for (i = 0; i < eh->e_shnum; i++) {
		const char *sn;

		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size || sh[i].sh_type == SHT_NOBITS ||
		    sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			continue;
		sn = strtab + sh[i].sh_name;
		if (strcmp(sn, ".gnu.linkonce.this_module") == 0 &&
		    sh[i].sh_size >= THIS_MODULE_NAME_OFFSET + MODULE_NAME_LEN) {
			const char *n = (const char *)image + sh[i].sh_offset + THIS_MODULE_NAME_OFFSET;
			if (name_ok(n, MODULE_NAME_LEN)) {
				strcpy(out, n);
				return 0;
			}
		}
	}
	for (i = 0; i < eh->e_shnum; i++) {
		const char *p, *end;

		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset ||
		    strcmp(strtab + sh[i].sh_name, ".modinfo") != 0)
			continue;
		p = (const char *)image + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		while (p < end) {
			size_t l = strnlen(p, (size_t)(end - p));
			if (l > 5 && l - 5 < MODULE_NAME_LEN && strncmp(p, "name=", 5) == 0) {
				memcpy(out, p + 5, l - 5);
				out[l - 5] = '\0';
				return 0;
			}
			p += l + 1;
		}
	}
	return -ENOEXEC;
}

/* ---- injected answers ---- */

static int errno_by_name(const char *s, size_t n)
{
	static const struct { const char *name; int value; } table[] = {
		{"ENOENT", ENOENT}, {"EINVAL", EINVAL}, {"ENOEXEC", ENOEXEC}, {"EEXIST", EEXIST},
		{"EBUSY", EBUSY}, {"EPERM", EPERM}, {"EACCES", EACCES}, {"ENOMEM", ENOMEM},
		{"ENODEV", ENODEV}, {"EKEYREJECTED", EKEYREJECTED}, {"EAGAIN", EAGAIN},
		{"EWOULDBLOCK", EWOULDBLOCK}, {"ENOSYS", ENOSYS}, {"EFAULT", EFAULT},
		{"EBADMSG", EBADMSG}, {"ETXTBSY", ETXTBSY},
	};
	size_t i;

	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return atoi(s);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strlen(table[i].name) == n && strncmp(s, table[i].name, n) == 0)
			return table[i].value;
	return EINVAL;
}

/* The errno (positive) injected for MOD by the list in variable VAR. */
static int injected(const char *var, const char *mod)
{
	const char *spec = getenv(var), *p;
	size_t ml = strlen(mod);
	int star = 0, have_star = 0;

	if (!spec)
		return 0;
	for (p = spec; *p;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon) {
			size_t nl = (size_t)(colon - p);
			int e = errno_by_name(colon + 1, (size_t)(end - colon - 1));
			if (nl == ml && strncmp(p, mod, ml) == 0)
				return e;
			if (nl == 1 && *p == '*') {
				star = e;
				have_star = 1;
			}
		}
		p = comma ? comma + 1 : end;
	}
	return have_star ? star : 0;
}

/* ---- the fake kernel's state in the fake root ---- */

static void root_path(char *buf, const char *fmt, const char *name)
{
	const char *root = getenv("KT_FAKE_ROOT");
	int n = snprintf(buf, PATH_MAX, "%s", root ? root : "");
	snprintf(buf + n, (size_t)(PATH_MAX - n), fmt, name);
}

static int is_loaded(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	root_path(p, "/sys/module/%s/initstate", name);
	return getenv("KT_FAKE_ROOT") && REAL(stat)(p, &st) == 0;
}

static void write_file(const char *path, const char *text)
{
	int fd = REAL(open)(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		/* the test will notice the missing state */
	}
	close(fd);
}

static void mark_loaded(const char *name, size_t size)
{
	char p[PATH_MAX], line[256];
	int fd;

	if (!getenv("KT_FAKE_ROOT"))
		return;
	root_path(p, "/sys/module/%s", name);
	mkdir(p, 0755);
	root_path(p, "/sys/module/%s/holders", name);
	mkdir(p, 0755);
	root_path(p, "/sys/module/%s/initstate", name);
	write_file(p, "live\n");
	root_path(p, "/sys/module/%s/refcnt", name);
	write_file(p, "0\n");
	root_path(p, "/proc/modules%s", "");
	fd = REAL(open)(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		int n = snprintf(line, sizeof line, "%s %zu 0 - Live 0x0000000000000000\n", name, size);
		if (write(fd, line, (size_t)n) < 0) {
			/* as above */
		}
		close(fd);
	}
}

static void mark_unloaded(const char *name)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8], line[512];
	size_t nl = strlen(name);
	FILE *in, *out;

	root_path(p, "/sys/module/%s/initstate", name);
	unlink(p);
	root_path(p, "/sys/module/%s/refcnt", name);
	unlink(p);
	root_path(p, "/sys/module/%s/holders", name);
	rmdir(p);
	root_path(p, "/sys/module/%s", name);
	rmdir(p);
	root_path(p, "/proc/modules%s", "");
	snprintf(tmp, sizeof tmp, "%s.new", p);
	in = REAL(fopen)(p, "re");
	out = REAL(fopen)(tmp, "we");
	if (in && out)
		while (fgets(line, sizeof line, in))
			if (!(strncmp(line, name, nl) == 0 && line[nl] == ' '))
				fputs(line, out);
	if (in)
		fclose(in);
	if (out) {
		fclose(out);
		rename(tmp, p);
	}
}

/* The fake kernel's answer to loading IMAGE: 0 or -1 with errno. */
static long fake_load(const char *call, const unsigned char *image, size_t len, const char *args,
		      unsigned long flags)
{
	char name[MODULE_NAME_LEN] = "";
	int e;

	if (module_name(image, len, name) < 0)
		e = ENOEXEC;
	else if (is_loaded(name))
		e = EEXIST;
	else
		e = injected("KT_FAKE_ERRNO", name);
	if (strcmp(call, "finit_module") == 0)
		fake_log("%s name=%s flags=0x%lx args=[%s] -> %d\n", call, name, flags, args ? args : "", -e);
	else
		fake_log("%s name=%s len=%zu args=[%s] -> %d\n", call, name, len, args ? args : "", -e);
	if (e) {
		errno = e;
		return -1;
	}
	mark_loaded(name, len);
	return 0;
}

static long fake_init_module(void *image, unsigned long len, const char *args)
{
	return fake_load("init_module", image, len, args, 0);
}

static long fake_finit_module(int fd, const char *args, int flags)
{
	struct stat st;
	unsigned char *buf;
	size_t done = 0;
	long r;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || st.st_size > (64 << 20)) {
		errno = EINVAL;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + done, (size_t)st.st_size - done, (off_t)done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (flags & 4) { /* MODULE_INIT_COMPRESSED_FILE */
		unsigned char *out;
		size_t in_pos = 0, out_pos = 0, cap = 64 << 20;
		uint64_t memlimit = UINT64_MAX;

		if (getenv("KT_FAKE_NO_DECOMPRESS")) {
			free(buf);
			fake_log("finit_module flags=0x%x -> %d\n", flags, -EOPNOTSUPP);
			errno = EOPNOTSUPP;
			return -1;
		}
		out = malloc(cap);
		if (!out || lzma_stream_buffer_decode(&memlimit, 0, NULL, buf, &in_pos, done, out, &out_pos,
						      cap) != LZMA_OK)
			out_pos = 0;
		free(buf);
		r = fake_load("finit_module", out ? out : (unsigned char *)"", out_pos, args, (unsigned long)flags);
		free(out);
		return r;
	}
	r = fake_load("finit_module", buf, done, args, (unsigned long)flags);
	free(buf);
	return r;
}

static long fake_delete_module(const char *name, unsigned int flags)
{
	int e;

	if (!is_loaded(name))
		e = ENOENT;
	else
		e = injected("KT_FAKE_UNLOAD_ERRNO", name);
	fake_log("delete_module name=%s flags=0x%x -> %d\n", name, flags, -e);
	if (e) {
		errno = e;
		return -1;
	}
	mark_unloaded(name);
	return 0;
}

int init_module(void *image, unsigned long len, const char *args)
{
	return (int)fake_init_module(image, len, args);
}

int finit_module(int fd, const char *args, int flags)
{
	return (int)fake_finit_module(fd, args, flags);
}

int delete_module(const char *name, unsigned int flags)
{
	return (int)fake_delete_module(name, flags);
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
	case __NR_init_module:
		return fake_init_module((void *)a[0], (unsigned long)a[1], (const char *)a[2]);
	case __NR_finit_module:
		return fake_finit_module((int)a[0], (const char *)a[1], (int)a[2]);
	case __NR_delete_module:
		return fake_delete_module((const char *)a[0], (unsigned int)a[1]);
	default:
		return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

int uname(struct utsname *u)
{
	const char *rel = getenv("KT_FAKE_RELEASE");
	int r = REAL(uname)(u);

	if (r == 0 && rel && *rel)
		snprintf(u->release, sizeof u->release, "%s", rel);
	return r;
}

/* ---- paths ---- */

#define TRAP_PATH_OR_FAIL(p, buf, fail)			\
	char buf[PATH_MAX];				\
	const char *p##_t = trap_path(p, buf);		\
	if (!p##_t)					\
		return fail;

/* NAME(PARAMS) with its path trapped, then the real NAME called with ARGS
 * (where the path is path_t); FAIL when the trapped path cannot be built. */
#define PATH_WRAPPER(ret, name, fail, params, ...)	\
	ret name params					\
	{						\
		TRAP_PATH_OR_FAIL(path, buf, fail);	\
		return REAL(name)(__VA_ARGS__);		\
	}

static int open_mode_needed(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* The open family: the mode argument is there only when the flags may
 * create a file. */
#define OPEN_WRAPPER(name, params, ...)				\
	int name params						\
	{							\
		mode_t mode = 0;				\
		TRAP_PATH_OR_FAIL(path, buf, -1);		\
		if (open_mode_needed(flags)) {			\
			va_list ap;				\
			va_start(ap, flags);			\
			mode = (mode_t)va_arg(ap, int);		\
			va_end(ap);				\
		}						\
		return REAL(name)(__VA_ARGS__);			\
	}

OPEN_WRAPPER(open, (const char *path, int flags, ...), path_t, flags, mode)
OPEN_WRAPPER(open64, (const char *path, int flags, ...), path_t, flags, mode)
OPEN_WRAPPER(openat, (int dirfd, const char *path, int flags, ...), dirfd, path_t, flags, mode)
OPEN_WRAPPER(openat64, (int dirfd, const char *path, int flags, ...), dirfd, path_t, flags, mode)

/* Fortified callers (-D_FORTIFY_SOURCE) come in through these. */
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

PATH_WRAPPER(FILE *, fopen, NULL, (const char *path, const char *mode), path_t, mode)
PATH_WRAPPER(FILE *, fopen64, NULL, (const char *path, const char *mode), path_t, mode)
PATH_WRAPPER(int, stat, -1, (const char *path, struct stat *st), path_t, st)
PATH_WRAPPER(int, stat64, -1, (const char *path, struct stat64 *st), path_t, st)
PATH_WRAPPER(int, lstat, -1, (const char *path, struct stat *st), path_t, st)
PATH_WRAPPER(int, lstat64, -1, (const char *path, struct stat64 *st), path_t, st)
PATH_WRAPPER(int, fstatat, -1, (int dirfd, const char *path, struct stat *st, int flags), dirfd, path_t, st, flags)
PATH_WRAPPER(int, fstatat64, -1, (int dirfd, const char *path, struct stat64 *st, int flags), dirfd, path_t, st, flags)
PATH_WRAPPER(int, access, -1, (const char *path, int mode), path_t, mode)
PATH_WRAPPER(int, faccessat, -1, (int dirfd, const char *path, int mode, int flags), dirfd, path_t, mode, flags)
PATH_WRAPPER(DIR *, opendir, NULL, (const char *path), path_t)
PATH_WRAPPER(ssize_t, readlink, -1, (const char *path, char *out, size_t len), path_t, out, len)
