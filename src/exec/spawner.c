/*
 * pll-spawner: the native job spawner, built by `npm run build` when a C
 * compiler is there (src/exec/build-spawner.sh). It speaks exactly the
 * protocol of the Perl spawner (spawner-script.ts), which stays the fallback.
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
 * the spawner's environment plus the job's variables, all signals at their
 * defaults and none blocked, and no other descriptor open. It cannot open a
 * log: exit 126; it cannot enter CWD or run /bin/sh: a line on its stderr
 * and exit 127 — as the Perl spawner does.
 *
 * The spawner lives in its own session; when its stdin closes (the engine
 * is gone) it keeps reaping its jobs and recording their ends, then exits.
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

extern char **environ;

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
}

static void status_release(const char *path) {
  StatusLog *log = status_find(path);
  if (!log || --log->refs > 0) return;
  if (log->fd >= 0) close(log->fd);
  free(log->path);
  *log = logs[--logs_n];
}

/* One record in an acquired status log; one that could not be opened so far is tried again (it may be there now). */
static void append(const char *file, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  StatusLog *log = status_find(file);
  if (!log || n <= 0) return;
  if (log->fd < 0) log->fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (log->fd < 0) return; /* still not: the engine hears of the job on stdout all the same */
  ssize_t w;
  do w = write(log->fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
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
    append(j.status, "exit %s %s %d %lld\n", j.id, j.attempt, code, now_ms());
    status_release(j.status);
    say("exit %s %d %d %d\n", j.id, (int)pid, code, sig);
    free(j.id);
    free(j.attempt);
    free(j.status);
  }
}

/* ───────────── launching ───────────── */

static char **base_env;
static size_t base_env_n;

/* The spawner's environment with the job's NAME=VALUE pairs set over it. */
static char **job_env(char **vars, size_t n) {
  char **env = malloc((base_env_n + n + 1) * sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < base_env_n; i++) {
    const char *eq = strchr(base_env[i], '=');
    size_t name = eq ? (size_t)(eq - base_env[i]) : strlen(base_env[i]);
    int overridden = 0;
    for (size_t v = 0; v < n && !overridden; v++)
      overridden = strncmp(vars[v], base_env[i], name) == 0 && vars[v][name] == '=';
    if (!overridden) env[k++] = base_env[i];
  }
  for (size_t v = 0; v < n; v++) {
    /* a later pair for the same name wins, as in the Perl spawner */
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
static void run_job(const char *cwd, const char *out, const char *err, char **argv, char **env) {
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
  fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (fd < 0) _exit(126);
  if (fd != 1) dup2(fd, 1), close(fd);
  fd = open(err, O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (fd < 0) _exit(126);
  if (fd != 2) dup2(fd, 2), close(fd);
  /* nothing else the engine or the spawner had open reaches the job */
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
    for (int d = 3; d < 1024; d++) close(d);
  if (chdir(cwd) != 0) {
    dprintf(2, "pll: cannot enter %s: %s\n", cwd, strerror(errno));
    _exit(127);
  }
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
  pid_t pid = fork();
  if (pid == 0) run_job(cwd, out, err, argv, env);
  if (pid > 0) setpgid(pid, pid);
  free(env);
  if (pid < 0) {
    say("error %s fork failed: %s\n", id, strerror(errno));
    return;
  }
  char *jid = strdup(id), *attempt = strdup(f[2]), *status = strdup(f[6]);
  if (!jid || !attempt || !status) abort();
  jobs_put(pid, jid, attempt, status);
  status_acquire(status);
  append(status, "start %s %s %d\n", id, attempt, (int)pid);
  say("started %s %d\n", id, (int)pid);
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

  for (char **e = environ; *e; e++) base_env_n++;
  base_env = environ;
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
    ssize_t r = read(STDIN_FILENO, buf + buf_len, buf_cap - buf_len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      eof = 1;
      continue;
    }
    buf_len += (size_t)r;
    parse();
  }
  flush_out();
  return 0;
}
