# Installation: the binary (the BPF programs are inside it, through the
# skeletons), the man pages, the bash completion and the docs.
#
#   cmake --install build --prefix /usr/local       (DESTDIR=... for staging)
#
# The man pages are written at build time by scripts/gen-man from the --help
# of the binary just built plus the fragments in man/ (docs/packaging.md says
# why), so they change whenever the program does. The test man_pages checks
# that they say what --help says.
include(GNUInstallDirs)

set(KT_MAN_OUT ${CMAKE_BINARY_DIR}/man)
file(GLOB KT_MAN_FRAGMENTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/*.roff)
add_custom_command(OUTPUT ${KT_MAN_OUT}/kmod-trace.8
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/gen-man --binary $<TARGET_FILE:kmod-trace> --out ${KT_MAN_OUT}
  DEPENDS kmod-trace ${CMAKE_SOURCE_DIR}/scripts/gen-man ${CMAKE_SOURCE_DIR}/scripts/gen-man.awk
          ${KT_MAN_FRAGMENTS}
  COMMENT "man pages from kmod-trace --help"
  VERBATIM)
add_custom_target(man ALL DEPENDS ${KT_MAN_OUT}/kmod-trace.8)

install(TARGETS kmod-trace RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# One page per command: the list is whatever `kmod-trace --help` had when the
# pages were made, so new commands need no change here.
install(DIRECTORY ${KT_MAN_OUT}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
  FILES_MATCHING PATTERN "kmod-trace*.8")
# bash-completion looks for completions/<command> under each of
# XDG_DATA_DIRS (/usr/local/share:/usr/share by default).
install(FILES ${CMAKE_SOURCE_DIR}/completion/kmod-trace.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME kmod-trace)
file(GLOB KT_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${KT_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The pages say what --help says: every command has a page, every option of
# a command is on its page, and the pages match a fresh run of gen-man.
if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  add_test(NAME man_pages
    COMMAND ${CMAKE_SOURCE_DIR}/tests/packaging/check-man --binary $<TARGET_FILE:kmod-trace>
            --pages ${KT_MAN_OUT})
endif()
