# BPF objects and skeletons: bpf/NAME.bpf.c -> NAME.bpf.o -> NAME.skel.h,
# compiled CO-RE against the checked-in bpf/vmlinux.h.
find_program(KT_CLANG NAMES clang clang-14 REQUIRED)
find_program(KT_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
set(KT_BPF_OUT ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${KT_BPF_OUT})
file(GLOB KT_BPF_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.bpf.c)
file(GLOB KT_BPF_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.h)
set(KT_SKELETONS)
foreach(src ${KT_BPF_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  set(obj ${KT_BPF_OUT}/${name}.bpf.o)
  set(skel ${KT_BPF_OUT}/${name}.skel.h)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${KT_CLANG} -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86
            -I${CMAKE_SOURCE_DIR}/bpf -c ${src} -o ${obj}
    DEPENDS ${src} ${KT_BPF_HEADERS}
    COMMENT "BPF ${name}.bpf.c")
  add_custom_command(OUTPUT ${skel}
    COMMAND ${KT_BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h")
  list(APPEND KT_SKELETONS ${skel})
endforeach()
add_custom_target(bpf_skeletons DEPENDS ${KT_SKELETONS})
