#ifndef FORGE_CLINUXIO_SHIM_H
#define FORGE_CLINUXIO_SHIM_H
// Linux I/O calls Swift's Glibc module leaves out: epoll (with epoll_pwait2's nanosecond
// timeout), eventfd and TCP socket options. forge-load's sender waits on them (SocketDriver).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <spawn.h>

// glibc 2.34+ declares it only under _GNU_SOURCE, which Swift's Glibc module is not built with:
// a child forge-load starts must not inherit the parent's sockets (ChildProcess).
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
#endif
