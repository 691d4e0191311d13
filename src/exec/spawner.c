/*
 * pll-spawner: the native job spawner, built by `npm run build` when a C
 * compiler is there (src/exec/build-spawner.sh). It speaks exactly the
 * protocol of the Perl spawner (spawner.pl), which stays the fallback.
 *
 * Why native: the spawner forks once per job, and a fork copies the parent's
 * page tables — cheap for this small C process, dear for a Perl interpreter
 * (and dearer still for Node). Measured on the 2-core bench machine, a loop
 * of 2,000 × `sh -c true` at 4 at a time, both log files created: 0.70 s
 * forking from C (0.67 s with posix_spawn), 1.35 s through the Perl spawner,
 * 0.90 s with `xargs -P 4`. The spawner is the whole critical path of a tiny
 * job, so this is most of what `pll run` costs per job. A plain fork, not
 * posix_spawn's vfork: with vfork the spawner would stand still while a
 * job's cwd or log sits on a hung mount, stopping every other job's start
 * and exit report; after fork only that job's child waits.
 *
 * Protocol. In (stdin), per job, NUL-terminated fields:
 *   spawn, jobId, attempt, cwd, out, err, statusLog, command, N, then N × NAME=VALUE
 * Out (stdout), one line per event:
 *   started JOBID PID | exit JOBID PID CODE SIGNAL | error JOBID MESSAGE
 * Each attempt is also appended to its run's status log, `start JOBID ATTEMPT
 * PID` and `exit JOBID ATTEMPT CODE AT_MS`, by the job's parent — this
 * process — so the exit status is exact and outlives the engine.
 *
 * A job runs `/bin/sh -c COMMAND` in its own process group (pgid = pid),
 * stdin /dev/null, stdout and stderr appended to its log files, in CWD, with
 * exactly the environment its request carries, all signals at their
 * defaults and none blocked, and no other descriptor open. It cannot open a
 * log: exit 126; it cannot enter CWD or run /bin/sh: a line on its stderr
 * and exit 127 — as the Perl spawner does.
 *
 * The spawner lives in its own session; when its stdin closes (the engine
 * is gone) it keeps reaping its jobs and recording their ends, then exits.
 * A request still unread when the engine is gone is dropped, not launched
 * (see the main loop).
 *
 * The `start` line is written by the job's own process, after it has set up
 * and just before it execs /bin/sh: so a status log without a `start` line
 * for an attempt proves that its command never ran (an engine that crashed
 * between recording a dispatch and the spawner's fork re-queues the job).
 *
 * A guardian. The process the engine starts forks the spawner proper and
 * stays behind as its parent, marked a child subreaper (PR_SET_CHILD_SUBREAPER)
 * and named "pll job guard". It closes the engine's pipes and does nothing
 * while the spawner lives, except to note each status log the spawner
 * announces on a pipe of their own (once per run). If the spawner dies
 * (SIGKILL, the OOM killer), its running jobs become the guardian's
 * children: the guardian reaps them and appends their `exit` lines, so their
 * true exit codes are still recorded, and exits once none is left. The
 * engine learns of the spawner's death from its stdout closing, and reads
 * those exits from the status logs, as it does for jobs it adopts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ───────────── running jobs: pid → (job id, attempt, status log) ───────────── */

typedef struct {
  pid_t pid; /* 0: free slot, -1: deleted */
  char *id, *attempt, *status;
} Job;

static Job *jobs;
static size_t cap = 64, used, live; /* used counts live + deleted slots */

static size_t slot_of(pid_t pid) { return ((size_t)pid * 2654435761u) & (cap - 1); }

static void jobs_put(pid_t pid, char *id, char *attempt, char *status);

/* Rehashes, dropping deleted slots; doubles only when live jobs fill a quarter of the table. */
static void jobs_grow(void) {
  Job *old = jobs;
  size_t old_cap = cap;
  if (live * 4 >= cap) cap *= 2;
  jobs = calloc(cap, sizeof *jobs);
  if (!jobs) abort();
  used = live = 0;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].pid > 0) jobs_put(old[i].pid, old[i].id, old[i].attempt, old[i].status);
  free(old);
}

static void jobs_put(pid_t pid, char *id, char *attempt, char *status) {
  if ((used + 1) * 2 > cap) jobs_grow();
  size_t i = slot_of(pid);
  while (jobs[i].pid > 0) i = (i + 1) & (cap - 1);
  if (jobs[i].pid == 0) used++;
  jobs[i] = (Job){pid, id, attempt, status};
  live++;
}

/* Removes and returns the job of `pid` (pid 0 in the result: not ours). */
static Job jobs_take(pid_t pid) {
  for (size_t i = slot_of(pid); jobs[i].pid != 0; i = (i + 1) & (cap - 1)) {
    if (jobs[i].pid == pid) {
      Job j = jobs[i];
      jobs[i].pid = -1;
      live--;
      return j;
    }
  }
  return (Job){0, NULL, NULL, NULL};
}

/* ───────────── output ───────────── */

/* Lines for the engine, written together once per turn of the main loop:
 * one wakeup of the engine for a turn's starts and exits, not one per line.
 * A turn that launches hundreds of jobs still sends every few kilobytes, so
 * the engine learns their pids as they start. */
#define OUTQ_FLUSH 4096
static char outq[OUTQ_FLUSH + 8192]; /* what is waiting (under OUTQ_FLUSH) and room for one more line */
static size_t outq_len;

static void flush_out(void) {
  /* The engine may be gone (EPIPE, SIGPIPE ignored): its jobs are still recorded in the status logs. */
  for (size_t off = 0; off < outq_len;) {
    ssize_t w = write(STDOUT_FILENO, outq + off, outq_len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  outq_len = 0;
}

static void say(const char *fmt, ...) {
  size_t room = sizeof outq - outq_len; /* over 8 KB: the buffer is flushed past OUTQ_FLUSH */
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(outq + outq_len, room, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= room) n = (int)room - 1;
  outq_len += (size_t)n;
  if (outq_len >= OUTQ_FLUSH) flush_out();
}

/*
 * The status logs, each kept open while a live job of ours writes to it (a
 * run's jobs share one): two open/close pairs less per job. Closed with its
 * last live job, so a log that is removed and made again is opened anew.
 */
typedef struct {
  char *path;
  int fd, refs;
} StatusLog;

static StatusLog *logs;
static size_t logs_n, logs_cap;

static StatusLog *status_find(const char *path) {
  for (size_t i = 0; i < logs_n; i++)
    if (strcmp(logs[i].path, path) == 0) return &logs[i];
  return NULL;
}

/* The guardian's end of the pipe on which the spawner names each status log it opens. */
static int guardian_fd = -1;

static void announce(const char *path) {
  /* A run's log comes back each time its jobs' count goes from 0 to 1 (a status log closes with its last live
   * job): said again only when another log was said since, not once per job. */
  static char *last;
  if (guardian_fd < 0 || (last && strcmp(last, path) == 0)) return;
  free(last);
  last = strdup(path);
  size_t n = strlen(path) + 1; /* with its NUL: the guardian reads NUL-terminated names */
  ssize_t w;
  do w = write(guardian_fd, path, n);
  while (w < 0 && errno == EINTR);
}

/* A job of ours writes to `path` from now on (opened at its first record, `append`). */
static void status_acquire(const char *path) {
  StatusLog *log = status_find(path);
  if (log) {
    log->refs++;
    return;
  }
  if (logs_n == logs_cap) {
    logs_cap = logs_cap ? logs_cap * 2 : 8;
    logs = realloc(logs, logs_cap * sizeof *logs);
    if (!logs) abort();
  }
  char *copy = strdup(path);
  if (!copy) abort();
  logs[logs_n++] = (StatusLog){copy, -1, 1};
  announce(path);
}

static void status_release(const char *path) {
  StatusLog *log = status_find(path);
  if (!log || --log->refs > 0) return;
  if (log->fd >= 0) close(log->fd);
  free(log->path);
  *log = logs[--logs_n];
}

/* The descriptor of an acquired status log, opened at its first use; -1 if it cannot be opened (tried again next time). */
static int status_fd(const char *file) {
  StatusLog *log = status_find(file);
  if (!log) return -1;
  if (log->fd < 0) log->fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
  return log->fd;
}

/* Appends one formatted line to `fd` (O_APPEND: one write, so lines of several writers never mix). */
static void write_line(int fd, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (fd < 0 || n <= 0) return; /* no log: the engine hears of the job on stdout all the same */
  ssize_t w;
  do w = write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  while (w < 0 && errno == EINTR);
}

/* ───────────── reaping ───────────── */

static int wake[2];

static void on_chld(int sig) {
  (void)sig;
  int saved = errno;
  ssize_t ignored = write(wake[1], "x", 1);
  (void)ignored;
  errno = saved;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reap(void) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    Job j = jobs_take(pid);
    if (!j.pid) continue;
    int code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    write_line(status_fd(j.status), "exit %s %s %d %lld\n", j.id, j.attempt, code, now_ms());
    status_release(j.status);
    say("exit %s %d %d %d\n", j.id, (int)pid, code, sig);
    free(j.id);
    free(j.attempt);
    free(j.status);
  }
}

/* ───────────── launching ───────────── */

/* The job's environment: exactly its NAME=VALUE pairs (the engine sends the whole of it; the
   spawner's own environment is not a job's), a later pair for the same name winning. */
static char **job_env(char **vars, size_t n) {
  char **env = malloc((n + 1) * sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t v = 0; v < n; v++) {
    const char *eq = strchr(vars[v], '=');
    size_t name = eq ? (size_t)(eq - vars[v]) + 1 : strlen(vars[v]);
    int later = 0;
    for (size_t w = v + 1; w < n && !later; w++) later = strncmp(vars[w], vars[v], name) == 0;
    if (!later && eq) env[k++] = vars[v];
  }
  env[k] = NULL;
  return env;
}

/* In the forked child: the job's process, set up as the Perl spawner sets it up, then /bin/sh. */
static void run_job(const char *id, const char *attempt, int status, const char *cwd, const char *out, const char *err, char **argv,
                    char **env) {
  /* Also done by the parent: whichever runs first, a kill of the group sent once the pid is known finds it. */
  setpgid(0, 0);
  /* Every other signal is at its default already (main); exec resets SIGCHLD's handler, not SIGPIPE's ignore. */
  signal(SIGPIPE, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int fd = open("/dev/null", O_RDONLY);
  if (fd >= 0 && fd != 0) dup2(fd, 0), close(fd);
  /* Log files are never opened through a symbolic link someone else planted. */
  fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0666);
  if (fd < 0) _exit(126);
  if (fd != 1) dup2(fd, 1), close(fd);
  fd = open(err, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0666);
  if (fd < 0) _exit(126);
  if (fd != 2) dup2(fd, 2), close(fd);
  if (chdir(cwd) != 0) {
    dprintf(2, "pll: cannot enter %s: %s\n", cwd, strerror(errno));
    _exit(127);
  }
  /* The command runs from here on: a start line is there whenever it may have run (see the top). */
  write_line(status, "start %s %s %d\n", id, attempt, (int)getpid());
  /* nothing else the engine or the spawner had open reaches the job */
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
    for (int d = 3; d < 1024; d++) close(d);
  execve("/bin/sh", argv, env);
  dprintf(2, "pll: cannot run /bin/sh: %s\n", strerror(errno));
  _exit(127);
}

static void launch(char **f, size_t n) {
  const char *id = f[1], *cwd = f[3], *out = f[4], *err = f[5], *cmd = f[7];
  char *argv[] = {"sh", "-c", (char *)cmd, NULL};
  char **env = job_env(f + 9, n - 9);
  if (!env) {
    say("error %s out of memory\n", id);
    return;
  }
  status_acquire(f[6]);
  pid_t pid = fork();
  if (pid == 0) run_job(id, f[2], status_fd(f[6]), cwd, out, err, argv, env);
  if (pid > 0) setpgid(pid, pid);
  free(env);
  if (pid < 0) {
    status_release(f[6]);
    say("error %s fork failed: %s\n", id, strerror(errno));
    return;
  }
  char *jid = strdup(id), *attempt = strdup(f[2]), *status = strdup(f[6]);
  if (!jid || !attempt || !status) abort();
  jobs_put(pid, jid, attempt, status);
  say("started %s %d\n", id, (int)pid);
}

/* ───────────── the guardian ───────────── */

/* Status logs the spawner announced, the most recently announced last. A server that lives for months starts
 * many runs: only the last KNOWN_MAX are kept (a run's log is announced again whenever it gets a job after
 * having none), which bounds the guardian's memory and the scan each announcement costs. */
#define KNOWN_MAX 4096
static char *known[KNOWN_MAX];
static size_t known_n;

static void know(const char *path) {
  char *entry = NULL;
  for (size_t i = 0; i < known_n && !entry; i++)
    if (strcmp(known[i], path) == 0) {
      entry = known[i];
      memmove(known + i, known + i + 1, (known_n - i - 1) * sizeof *known);
      known_n--;
    }
  if (!entry && !(entry = strdup(path))) abort();
  if (known_n == KNOWN_MAX) {
    free(known[0]);
    memmove(known, known + 1, (KNOWN_MAX - 1) * sizeof *known);
    known_n--;
  }
  known[known_n++] = entry;
}

/* A whole file in a NUL-terminated buffer (NULL if unreadable). */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return NULL;
  size_t len = 0, cap = 1 << 16;
  char *b = malloc(cap);
  for (ssize_t r; b; len += (size_t)r) {
    if (cap - len < 4096 && !(b = realloc(b, cap *= 2))) break;
    do r = read(fd, b + len, cap - len - 1);
    while (r < 0 && errno == EINTR);
    if (r <= 0) break;
  }
  close(fd);
  if (b) b[len] = '\0';
  return b;
}

/*
 * In `log`, the attempt that `pid` started and that has no exit line yet:
 * writes "JOB ATTEMPT" into `who` and returns 1, else 0.
 */
static int open_attempt(const char *log, pid_t pid, char *who, size_t size) {
  char *text = slurp(log);
  if (!text) return 0;
  int found = 0;
  char job[64], attempt[64];
  for (char *line = text, *next; *line; line = next) {
    next = strchr(line, '\n');
    if (!next) break; /* an unfinished last line is not a record */
    *next++ = '\0';
    char word[8], j[64], a[64];
    long v;
    if (sscanf(line, "%7s %63s %63s %ld", word, j, a, &v) != 4) continue;
    if (strcmp(word, "start") == 0 && v == (long)pid) {
      strcpy(job, j), strcpy(attempt, a);
      found = 1;
    } else if (found && strcmp(word, "exit") == 0 && strcmp(j, job) == 0 && strcmp(a, attempt) == 0) {
      found = 0;
    }
  }
  if (found) snprintf(who, size, "%s %s", job, attempt);
  free(text);
  return found;
}

/* An orphaned job of a dead spawner ended: its exit goes to its status log as the spawner would have written it. */
static void orphan_ended(pid_t pid, int st) {
  char who[160];
  for (size_t i = 0; i < known_n; i++) {
    if (!open_attempt(known[i], pid, who, sizeof who)) continue;
    int code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    int fd = open(known[i], O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    write_line(fd, "exit %s %d %lld\n", who, code, now_ms());
    if (fd >= 0) close(fd);
    return;
  }
  /* not a job: a process a job left behind, reparented to us as to any subreaper */
}

/* Is any child of ours a job with no exit line yet? (Stray descendants alone do not keep the guardian.) */
static int jobs_outstanding(void) {
  char who[160];
  for (size_t i = 0; i < known_n; i++) {
    char *text = slurp(known[i]);
    if (!text) continue;
    int any = 0;
    for (char *line = text, *next; *line && !any; line = next) {
      next = strchr(line, '\n');
      if (!next) break;
      *next++ = '\0';
      long pid;
      siginfo_t info;
      /* waitid without reaping: 0 while `pid` is a child of ours, alive or not yet reaped */
      if (sscanf(line, "start %*s %*s %ld", &pid) == 1 && waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          open_attempt(known[i], (pid_t)pid, who, sizeof who))
        any = 1;
    }
    free(text);
    if (any) return 1;
  }
  return 0;
}

/* The guardian's life: see the top. Returns when the spawner is gone and no job of its is left. */
static int guard(pid_t spawner, int names) {
  prctl(PR_SET_NAME, "pll job guard"); /* comm holds 15 characters */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* The engine's pipes are the spawner's alone: their end must tell the engine the spawner is gone. */
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) dup2(null, STDIN_FILENO), dup2(null, STDOUT_FILENO), close(null);
  char name[4096];
  size_t name_len = 0;
  int spawner_alive = 1, names_open = 1;
  for (;;) {
    struct pollfd pf[2] = {{wake[0], POLLIN, 0}, {names, POLLIN, 0}};
    int n = poll(pf, names_open ? 2 : 1, spawner_alive ? -1 : 200);
    if (n < 0 && errno != EINTR) return 1;
    if (n > 0 && (pf[0].revents & POLLIN)) {
      char junk[256];
      while (read(wake[0], junk, sizeof junk) > 0) {}
    }
    if (names_open && n > 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      char chunk[4096];
      ssize_t r = read(names, chunk, sizeof chunk);
      if (r <= 0 && !(r < 0 && errno == EINTR)) names_open = 0;
      for (ssize_t i = 0; i < r; i++) {
        if (chunk[i] == '\0') {
          name[name_len] = '\0';
          if (name_len) know(name);
          name_len = 0;
        } else if (name_len < sizeof name - 1) {
          name[name_len++] = chunk[i];
        }
      }
    }
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      if (pid == spawner) {
        spawner_alive = 0;
        /* It ended by itself: it had reaped all its jobs (see main). */
        if (WIFEXITED(st)) return WEXITSTATUS(st);
      } else {
        orphan_ended(pid, st);
      }
    }
    if (!spawner_alive && (pid < 0 || !jobs_outstanding())) return 0;
  }
}

/* ───────────── the input: NUL-terminated fields, one record per job ───────────── */

static char *buf;
static size_t buf_len, buf_cap;

static char **fields;
static size_t fields_cap;

/* Launches every complete record at the front of the buffer, keeps the rest. */
static void parse(void) {
  size_t pos = 0;
  for (;;) {
    size_t nf = 0, p = pos, need = 9;
    int complete = 0;
    while (p < buf_len) {
      char *nul = memchr(buf + p, '\0', buf_len - p);
      if (!nul) break;
      if (nf == fields_cap) {
        fields_cap = fields_cap ? fields_cap * 2 : 64;
        fields = realloc(fields, fields_cap * sizeof *fields);
        if (!fields) abort();
      }
      fields[nf++] = buf + p;
      p = (size_t)(nul - buf) + 1;
      if (nf == 9) need = 9 + strtoul(fields[8], NULL, 10);
      if (nf >= 9 && nf == need) {
        complete = 1;
        break;
      }
    }
    if (!complete) break;
    launch(fields, nf);
    pos = p;
  }
  memmove(buf, buf + pos, buf_len - pos);
  buf_len -= pos;
}

int main(void) {
  prctl(PR_SET_NAME, "pll job spawner");
  /* Jobs get every signal at its default: undo here, once, what our own parent may have ignored (nohup, a shell). */
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction sa = {0};
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);

  /* This process stays as the guardian; its child is the spawner (without a pipe or a fork: the spawner alone). */
  int names[2];
  if (pipe2(names, O_CLOEXEC) == 0) {
    pid_t spawner = fork();
    if (spawner > 0) {
      close(names[1]);
      return guard(spawner, names[0]);
    }
    close(names[0]);
    if (spawner == 0) {
      guardian_fd = names[1];
      /* A wake-up pipe of its own: sharing the guardian's, either could swallow the other's SIGCHLD. */
      close(wake[0]), close(wake[1]);
      if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
    } else {
      close(names[1]);
    }
  }

  jobs = calloc(cap, sizeof *jobs);
  buf_cap = 1 << 16;
  buf = malloc(buf_cap);
  if (!jobs || !buf) return 1;

  int eof = 0;
  while (!eof || live > 0) {
    flush_out();
    struct pollfd pf[2] = {{wake[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int n = poll(pf, eof ? 1 : 2, -1);
    if (n < 0 && errno != EINTR) return 1;
    if (n > 0 && (pf[0].revents & POLLIN)) {
      char junk[256];
      while (read(wake[0], junk, sizeof junk) > 0) {}
    }
    reap();
    if (n <= 0 || eof || !(pf[1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (buf_cap - buf_len < 65536) {
      buf_cap *= 2;
      buf = realloc(buf, buf_cap);
      if (!buf) return 1;
    }
    /* Every writer gone: the engine died (or closed us). */
    int engine_gone = (pf[1].revents & POLLHUP) != 0;
    ssize_t r = read(STDIN_FILENO, buf + buf_len, buf_cap - buf_len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      eof = 1;
      continue;
    }
    buf_len += (size_t)r;
    /* What a dead engine sent and we had not read yet (we were stopped, or slow) is not launched: it has no
     * start line, so the next engine re-queues it, and launching it now as well would run it twice. */
    if (engine_gone) buf_len = 0;
    parse();
  }
  flush_out();
  return 0;
}
