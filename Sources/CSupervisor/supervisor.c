// A supervisor process between SwiftNAS and every command it runs (an evaluator, tar, sbatch).
//
// Why a process of its own: the guarantees users need — nothing a command started outlives it,
// not even a `setsid` daemon or a wrapper's children, and nothing outlives SwiftNAS when it is
// killed with SIGKILL — cannot be kept from inside SwiftNAS, which may be dead by then. The
// supervisor is a child subreaper (every orphaned descendant becomes its child) that waits for
// two things: the command's exit, or the end of the lifeline pipe, whose only writer is
// SwiftNAS (it closes it on timeout, and the kernel closes it when SwiftNAS dies however it
// dies). Either way it then kills every descendant, reports the command's wait status on the
// status pipe and exits. The parent takes the result when the supervisor exits, never waiting
// for output pipes that something else might hold open.
//
// Between fork and exec only raw system calls are made (the parent is multithreaded: a lock
// another thread held at the fork stays held forever in the copy).
#define _GNU_SOURCE
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// fork() without glibc's wrapper: the wrapper runs pthread_atfork handlers, which take
/// locks that another thread of SwiftNAS may have held at the first fork — in the supervisor,
/// whose copy of such a lock is never released, the second fork would wait forever.
static pid_t raw_fork(void) { return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }

/// errno as digits (strerror is not async-signal-safe: it may translate and lock).
static void write_errno(int fd, int error) {
    char digits[16];
    int length = 0;
    do {
        digits[sizeof digits - 1 - length++] = (char)('0' + error % 10);
        error /= 10;
    } while (error > 0 && length < 15);
    ssize_t written = write(fd, digits + sizeof digits - length, (size_t)length);
    (void)written;
}

struct directory_entry {  // the kernel's linux_dirent64
    unsigned long long inode;
    long long offset;
    unsigned short length;
    unsigned char type;
    char name[];
};

static void write_text(int fd, const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t written = write(fd, text, length);
        if (written <= 0) return;
        text += written;
        length -= (size_t)written;
    }
}

/// Closes every descriptor from `first` up, falling back to a loop where close_range is missing.
static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    for (int fd = first; fd < 65536; fd++) close(fd);
}

/// Closes every descriptor but the `count` ones in `keep` (ascending).
static void close_all_but(const int *keep, int count) {
    int next = 0;
    for (int index = 0; index < count; index++) {
        if (keep[index] > next) {
            if (syscall(SYS_close_range, (unsigned)next, (unsigned)(keep[index] - 1), 0) != 0) {
                for (int fd = next; fd < keep[index]; fd++) close(fd);
            }
        }
        next = keep[index] + 1;
    }
    close_from(next);
}

static void sort_ascending(int *values, int count) {
    for (int i = 1; i < count; i++) {
        for (int j = i; j > 0 && values[j - 1] > values[j]; j--) {
            int swap = values[j];
            values[j] = values[j - 1];
            values[j - 1] = swap;
        }
    }
}

/// The command itself: its own process group, descriptors 0–2 and nothing else, default
/// signal handling (SwiftNAS ignores SIGPIPE; an evaluator must not inherit that).
static void run_command(const char *path, char *const argv[], char *const envp[], const char *directory,
                        int input, int output, int errors) {
    setpgid(0, 0);
    int moved[3] = {fcntl(input, F_DUPFD, 10), fcntl(output, F_DUPFD, 10), fcntl(errors, F_DUPFD, 10)};
    for (int fd = 0; fd < 3; fd++) {
        if (moved[fd] < 0 || dup2(moved[fd], fd) < 0) _exit(127);
    }
    close_from(3);
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int number = 1; number < NSIG; number++) sigaction(number, &standard, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (directory != NULL && chdir(directory) != 0) {
        write_text(2, "cannot enter the working directory (errno ");
        write_errno(2, errno);
        write_text(2, ")\n");
        _exit(126);
    }
    execve(path, argv, envp);
    int error = errno;
    write_text(2, "cannot run ");
    write_text(2, path);
    write_text(2, error == ENOENT ? ": no such file" : error == EACCES ? ": permission denied" : ": errno ");
    if (error != ENOENT && error != EACCES) write_errno(2, error);
    write_text(2, "\n");
    _exit(127);
}

static pid_t parse_number(const char *text) {
    if (*text == 0) return -1;
    long value = 0;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || value > 100000000) return -1;
        value = value * 10 + (*text - '0');
    }
    return (pid_t)value;
}

/// The parent pid of `pid` from /proc/PID/stat ("pid (comm) state ppid …"; comm may hold
/// spaces and parentheses, so parse after the last ')'); -1 if it is gone.
static pid_t parent_of(const char *pid_text) {
    char path[64] = "/proc/";
    size_t length = strlen(pid_text);
    if (length > 20) return -1;
    memcpy(path + 6, pid_text, length);
    memcpy(path + 6 + length, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[1024];
    ssize_t count = read(fd, text, sizeof text - 1);
    close(fd);
    if (count <= 0) return -1;
    text[count] = 0;
    char *end = strrchr(text, ')');
    if (end == NULL || end[1] == 0 || end[2] == 0 || end[3] != ' ') return -1;
    long parent = 0;
    for (char *digit = end + 4; *digit >= '0' && *digit <= '9'; digit++) parent = parent * 10 + (*digit - '0');
    return (pid_t)parent;
}

/// Sends SIGKILL to every process whose parent is this one; how many there were.
static int kill_children(void) {
    pid_t self = getpid();
    int directory = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) return 0;
    int found = 0;
    char buffer[16384];
    for (;;) {
        long count = syscall(SYS_getdents64, directory, buffer, sizeof buffer);
        if (count <= 0) break;
        for (long offset = 0; offset < count;) {
            struct directory_entry *entry = (struct directory_entry *)(buffer + offset);
            offset += entry->length;
            pid_t pid = parse_number(entry->name);
            if (pid > 0 && parent_of(entry->name) == self) {
                kill(pid, SIGKILL);
                found++;
            }
        }
    }
    close(directory);
    return found;
}

/// Kills the command's process group, then every process that is or becomes this subreaper's
/// child, until none is left.
static void kill_descendants(pid_t command, int reaped) {
    // A reaped command's pid is free: its group is killed only while no process holds that
    // pid (a reused one would be a stranger's group leader).
    if (!reaped || (kill(command, 0) == -1 && errno == ESRCH)) kill(-command, SIGKILL);
    for (;;) {
        kill_children();
        int status;
        pid_t gone = waitpid(-1, &status, 0);
        if (gone < 0 && errno != EINTR) break;  // ECHILD: no descendant is left
    }
}

static void supervise(const char *path, char *const argv[], char *const envp[], const char *directory, int input,
                      int output, int errors, int lifeline, int status_pipe, pid_t parent) {
    // Only SIGKILL stops the supervisor: terminal signals go to SwiftNAS, which then closes the
    // lifeline. SIGCHLD is read from a signalfd.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    setpgid(0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_NAME, "nas-supervisor");  // what ps and top show (the command line stays SwiftNAS's)
    int keep[5] = {input, output, errors, lifeline, status_pipe};
    sort_ascending(keep, 5);
    close_all_but(keep, 5);  // other threads' lifelines among them: they must not be held open here
    if (getppid() != parent) _exit(0);  // SwiftNAS died before the command started: start nothing
    sigset_t child_signal;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    int children = signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);

    pid_t command = raw_fork();
    if (command == 0) run_command(path, argv, envp, directory, input, output, errors);
    close(input);
    close(output);
    close(errors);
    if (command < 0) _exit(0);  // no status: the parent reports that nothing ran

    int status = 0, reaped = 0;
    struct pollfd watched[2] = {{lifeline, POLLIN, 0}, {children, POLLIN, 0}};
    for (;;) {
        int code;
        pid_t gone;
        while ((gone = waitpid(-1, &code, WNOHANG)) > 0) {
            if (gone == command) {
                status = code;
                reaped = 1;
            }
        }
        if (reaped) break;
        if (poll(watched, children >= 0 ? 2 : 1, children >= 0 ? -1 : 20) < 0) continue;
        if (watched[0].revents != 0) break;  // the lifeline ended: timeout, or SwiftNAS is gone
        if (watched[1].revents != 0) {
            struct signalfd_siginfo information;
            while (read(children, &information, sizeof information) > 0) {}
        }
    }
    kill_descendants(command, reaped);
    if (reaped) {
        ssize_t written = write(status_pipe, &status, sizeof status);
        (void)written;
    }
    _exit(0);
}

static void close_pair(int pair[2]) {
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0) close(pair[1]);
}

/// Closes the four pipes of a start that failed; the errno that made it fail.
static int close_pipes(int output[2], int errors[2], int lifeline[2], int status[2]) {
    int error = errno;
    close_pair(output);
    close_pair(errors);
    close_pair(lifeline);
    close_pair(status);
    return error;
}

int swiftnas_supervise(const char *path, char *const argv[], char *const envp[], const char *directory, int input,
                       swiftnas_supervised *out) {
    int output[2] = {-1, -1}, errors[2] = {-1, -1}, lifeline[2] = {-1, -1}, status[2] = {-1, -1};
    if (pipe2(output, O_CLOEXEC) != 0 || pipe2(errors, O_CLOEXEC) != 0 || pipe2(lifeline, O_CLOEXEC) != 0
        || pipe2(status, O_CLOEXEC) != 0) {
        return close_pipes(output, errors, lifeline, status);
    }
    pid_t parent = getpid();
    pid_t supervisor = raw_fork();
    if (supervisor < 0) {
        return close_pipes(output, errors, lifeline, status);
    }
    if (supervisor == 0) {
        supervise(path, argv, envp, directory, input, output[1], errors[1], lifeline[0], status[1], parent);
    }
    close(output[1]);
    close(errors[1]);
    close(lifeline[0]);
    close(status[1]);
    fcntl(output[0], F_SETFL, O_NONBLOCK);
    fcntl(errors[0], F_SETFL, O_NONBLOCK);
    fcntl(status[0], F_SETFL, O_NONBLOCK);
    out->supervisor = supervisor;
    out->exited = (int)syscall(SYS_pidfd_open, supervisor, 0);  // close-on-exec by the kernel
    out->lifeline = lifeline[1];
    out->output = output[0];
    out->errors = errors[0];
    out->status = status[0];
    return 0;
}

int swiftnas_input(const void *bytes, size_t count) {
    int fd = memfd_create("swiftnas-input", MFD_CLOEXEC);
    if (fd < 0) fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    const char *next = bytes;
    while (count > 0) {
        ssize_t written = write(fd, next, count);
        if (written <= 0) {
            close(fd);
            return -1;
        }
        next += written;
        count -= (size_t)written;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}
