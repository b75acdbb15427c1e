// Runs a command under a supervisor process that owns everything the command starts.
// See supervisor.c for the why; Sources/NASProcess/ChildProcess.swift is the only caller.
#ifndef SWIFTNAS_SUPERVISOR_H
#define SWIFTNAS_SUPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

/// The parent's ends of a supervised command. Every descriptor is close-on-exec.
typedef struct {
    pid_t supervisor;   // the supervisor's pid (the parent reaps it)
    int exited;         // pidfd of the supervisor: readable once it has exited; -1 if the kernel has none
    int lifeline;       // write end: closing it (or this process dying) kills the command and all it started
    int output;         // the command's stdout, read end, non-blocking
    int errors;         // the command's stderr, read end, non-blocking
    int status;         // read end: the command's wait status (an int), written before the supervisor exits
} swiftnas_supervised;

/// Starts `path` with `argv` and `envp` in `directory`, its stdin read from `input` (a
/// descriptor the caller still owns). Returns 0, or an errno value when nothing was started.
int swiftnas_supervise(const char *path, char *const argv[], char *const envp[], const char *directory,
                       int input, swiftnas_supervised *out);

/// A close-on-exec descriptor, positioned at its start, holding `count` bytes (a memfd): a
/// command's stdin that never blocks the writer, however little of it the command reads.
/// -1 on failure (errno set).
int swiftnas_input(const void *bytes, size_t count);

#endif
