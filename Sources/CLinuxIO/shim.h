#ifndef FORGE_CLINUXIO_SHIM_H
#define FORGE_CLINUXIO_SHIM_H
// Linux I/O calls Swift's Glibc module leaves out: epoll (with epoll_pwait2's nanosecond
// timeout), eventfd and TCP socket options. forge-load's sender waits on them (SocketDriver).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#endif
