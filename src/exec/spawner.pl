#!/usr/bin/perl
# The spawner: a small Perl process that forks every job for the engine.
#
# Why not spawn from Node: libuv forks the whole Node process for every
# child, and fork costs grow with the parent's memory — measured here, 3 ms
# per job at 55 MB RSS and 15 ms at 160 MB (an engine holding a 100k-job
# graph). A Perl process of a few MB forks in well under a millisecond, and
# the engine only writes one record to a pipe per job.
#
# Why not a wrapper shell: the spawner is the job's parent, so it writes the
# exit status (exact, signals included) to the run's status log itself, and
# the user's command runs as plain `/bin/sh -c CMD` — verbatim, one exec.
# The spawner lives in its own session: when the engine dies it keeps
# reaping its jobs and recording their statuses (with the time of the exit,
# ms since the epoch), then exits, so a restarted engine learns how and when
# they ended.
#
# Protocol. In (stdin), per job, NUL-terminated fields:
#   spawn, jobId, attempt, cwd, out, err, statusLog, command, N, then N × NAME=VALUE
# Out (stdout), one line per event:
#   started JOBID PID | exit JOBID PID CODE SIGNAL | error JOBID MESSAGE
# It waits in select() on stdin and a self-pipe its SIGCHLD handler writes
# to, so exits are reaped at once and never lost between checks.
# CODE is 128+signal for a signalled job (as a shell reports it), SIGNAL 0 otherwise.
# The start line is written by the job's process just before its exec, as
# the native spawner does: without one, the command never ran. There is no
# guardian here: if this spawner dies, the exits of its running jobs are
# unknown (the engine says so), which the native spawner avoids.
#
# Started by src/exec/spawner.ts as `perl spawner.pl` (the build copies this file
# beside the compiled spawner.js); `perl -c` checks it in test/engine/spawner-protocol.
use strict; use warnings; use POSIX (); use Fcntl (); use IO::Handle; use Time::HiRes ();
$0 = 'pll job spawner';
$SIG{PIPE} = 'IGNORE';
my %job; my $buf = ''; my $eof = 0;
sub say_ { syswrite(STDOUT, $_[0]) }
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $st = $?; my $j = delete $job{$pid} or next;
    my ($code, $sig) = ($st & 127) ? (128 + ($st & 127), $st & 127) : ($st >> 8, 0);
    my $at = int(Time::HiRes::time() * 1000);
    if (open(my $fh, '>>', $j->[1])) { print $fh "exit $j->[0] $j->[2] $code $at\n"; close $fh; }
    say_("exit $j->[0] $pid $code $sig\n");
  }
}
pipe(my $wake_r, my $wake_w) or die; $wake_w->autoflush(1); $SIG{CHLD} = sub { syswrite($wake_w, 'x') };
sub launch {
  my ($verb, $id, $attempt, $cwd, $out, $err, $status, $cmd, $n, @env) = @_;
  my $pid = fork();
  if (!defined $pid) { say_("error $id fork failed: $!\n"); return; }
  if ($pid == 0) {
    POSIX::setpgid(0, 0);    # also done by the parent: the group exists once the pid is reported
    $SIG{PIPE} = 'DEFAULT'; $SIG{CHLD} = 'DEFAULT';
    my $logmode = Fcntl::O_WRONLY() | Fcntl::O_APPEND() | Fcntl::O_CREAT() | Fcntl::O_NOFOLLOW();    # never through a planted link
    open(STDIN, '<', '/dev/null'); sysopen(STDOUT, $out, $logmode, 0666) or POSIX::_exit(126); sysopen(STDERR, $err, $logmode, 0666) or POSIX::_exit(126);
    if (opendir(my $d, '/proc/self/fd')) { my @fds = grep { /^\d+$/ && $_ > 2 } readdir($d); closedir($d); POSIX::close($_) for @fds; }
    chdir($cwd) or do { print STDERR "pll: cannot enter $cwd: $!\n"; POSIX::_exit(127) };
    %ENV = (); for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v; }    # exactly the job's environment, not ours
    # The command runs from here on: the job itself writes its start line (no start line: it never ran).
    if (open(my $fh, '>>', $status)) { syswrite($fh, "start $id $attempt $$\n"); close $fh; }
    { exec { '/bin/sh' } 'sh', '-c', $cmd; }
    POSIX::_exit(127);
  }
  POSIX::setpgid($pid, $pid);
  $job{$pid} = [$id, $status, $attempt];
  say_("started $id $pid\n");
}
my $rin = ''; vec($rin, fileno($wake_r), 1) = 1; my $rstdin = $rin; vec($rstdin, 0, 1) = 1;
while (!$eof || %job) {
  my $rout = $eof ? $rin : $rstdin;
  my $n = select($rout, undef, undef, undef);
  if ($n > 0 && vec($rout, fileno($wake_r), 1)) { sysread($wake_r, my $junk, 4096); }
  reap();
  next unless $n > 0 && !$eof && vec($rout, 0, 1);
  my $r = sysread(STDIN, $buf, 65536, length $buf);
  if (!$r) { $eof = 1; next; }
  my @f = split /\0/, $buf, -1;
  $buf = pop @f;    # the piece after the last NUL is incomplete
  while (@f >= 9 && @f >= 9 + $f[8]) { launch(splice(@f, 0, 9 + $f[8])); }
  $buf = join('', map { "$_\0" } @f) . $buf;    # a partly received record waits for the rest
}
