/* Lists the BPF programs, links and maps loaded in the kernel, one per
 * line ("prog NAME TYPE [misses N]" / "link ID" / "map NAME TYPE"), so the VM tests
 * can prove that nothing of kmod-trace stays behind after it exits. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	__u32 id = 0;
	int n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
			printf("prog %s %u", info.name, info.type);
			if (info.recursion_misses)
				printf(" misses %llu", (unsigned long long)info.recursion_misses);
			printf("\n");
		}
		close(fd);
		n++;
	}
	id = 0;
	while (bpf_link_get_next_id(id, &id) == 0) {
		printf("link %u\n", id);
		n++;
	}
	id = 0;
	while (bpf_map_get_next_id(id, &id) == 0) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			printf("map %s %u\n", info.name, info.type);
		close(fd);
		n++;
	}
	printf("total %d\n", n);
	return 0;
}
