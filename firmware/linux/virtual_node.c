/* The virtual node: firmware/core plus a model directory, built for Linux. It opens a pseudo-terminal and
 * behaves on it as the ESP32 node does on its UART (docs/protocol.md). With --replay-csi FILE it feeds a
 * CSI recording through the live path (CSI_PACKET + KEYPOINTS over overlapping windows) after the host
 * sends STREAM_START, paced at --packet-rate packets per second through a bounded queue like the node's.
 *
 *   pose-node-virtual [--stdio] [--replay-csi FILE [--packet-rate HZ] [--loop]] [--hop N]
 *
 * Prints "PTY /dev/pts/N" on stdout once the pty is ready (with --stdio it speaks on stdin/stdout instead),
 * and exits 0 on SIGINT/SIGTERM or when the host side of --stdio closes. A CSI recording that fails
 * validation (recording.h) is refused before the pty opens: exit 1 with the reason on stderr; one that
 * turns bad while replaying (changed on disk) stops the node with exit 1. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "node.h"
#include "recording.h"

#define QUEUE_DEPTH 32 /* as CONFIG_POSE_EDGE_CSI_QUEUE_LEN's default on the node */
/* A pause of this process longer than this (the host machine busy, the pty full) stops the replay clock for the
 * excess: the queue holds 107 ms of packets at the default 300 per second, so a loaded host slows the replay
 * instead of dropping packets a real node would have taken. A node too slow for the rate still drops. */
#define STALL_NS 100000000ull

static volatile sig_atomic_t stop_requested;
static node_t node;
static csi_packet_t queue[QUEUE_DEPTH];
static int out_fd = -1;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static size_t write_all(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  size_t done = 0;
  while (done < len && !stop_requested) {
    ssize_t w = write(out_fd, data + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {out_fd, POLLOUT, 0};
        poll(&p, 1, 100);
        continue;
      }
      break;
    }
    done += (size_t)w;
  }
  return done;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t cycles_ns(void *ctx) {
  (void)ctx;
  return (uint32_t)now_ns();
}

static void usage(void) {
  fprintf(stderr, "usage: pose-node-virtual [--stdio] [--replay-csi FILE [--packet-rate HZ] [--loop]] [--hop N]\n");
}

int main(int argc, char **argv) {
  const char *replay = 0;
  double rate = 300.0;
  int loop = 0, use_stdio = 0, hop = 5;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--stdio")) use_stdio = 1;
    else if (!strcmp(argv[i], "--loop")) loop = 1;
    else if (!strcmp(argv[i], "--replay-csi") && i + 1 < argc) replay = argv[++i];
    else if (!strcmp(argv[i], "--packet-rate") && i + 1 < argc) rate = atof(argv[++i]);
    else if (!strcmp(argv[i], "--hop") && i + 1 < argc) hop = atoi(argv[++i]);
    else {
      usage();
      return 2;
    }
  }
  if (hop < 1 || hop > WINDOW_PACKETS || rate < 0) {
    fprintf(stderr, "pose-node-virtual: --hop must be 1..%d and --packet-rate >= 0 (0: as fast as possible)\n", WINDOW_PACKETS);
    return 2;
  }

  recording_t rec;
  if (replay && recording_open(&rec, replay) != 0) {
    fprintf(stderr, "pose-node-virtual: %s\n", rec.error);
    return 1;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read or write returns so the loop can stop */
  sigaction(SIGINT, &sa, 0);
  sigaction(SIGTERM, &sa, 0);
  signal(SIGPIPE, SIG_IGN);

  int in_fd, slave_fd = -1;
  if (use_stdio) {
    in_fd = 0;
    out_fd = 1;
  } else {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
      perror("pose-node-virtual: posix_openpt");
      return 1;
    }
    const char *path = ptsname(master);
    /* Holding the slave open keeps the master readable (no EIO) while no host is attached, and lets us
     * put the line in raw mode before the host opens it, exactly like a UART carries bytes untouched. */
    slave_fd = open(path, O_RDWR | O_NOCTTY);
    struct termios tio;
    if (slave_fd < 0 || tcgetattr(slave_fd, &tio) != 0) {
      perror("pose-node-virtual: pty slave");
      return 1;
    }
    cfmakeraw(&tio);
    tcsetattr(slave_fd, TCSANOW, &tio);
    in_fd = out_fd = master;
    printf("PTY %s\n", path);
    fflush(stdout);
  }

  node_platform_t plat = {
      .uart_write = write_all,
      .cycles = cycles_ns,
      .ctx = 0,
      .cycle_hz = 1000000000u, /* the host build counts nanoseconds */
      .chip = "linux-virtual",
      .mode = replay ? NODE_MODE_LIVE_REPLAY : NODE_MODE_REPLAY,
      .has_csi_source = replay ? 1 : 0,
      .stream_on_boot = 0,
      .hop = (uint8_t)hop,
      .csi_channel = 0, /* no radio: the recording's packets carry their own channel */
      .csi_second = NODE_SECOND_UNKNOWN,
  };
  node_init(&node, &plat);

  uint8_t buf[4096];
  uint64_t t0 = 0, sent = 0;
  unsigned qhead = 0, qlen = 0;
  int eof = 0, was_streaming = 0, exit_code = 0;
  uint64_t last_iter = 0;
  while (!stop_requested) {
    int streaming = replay && node_stream_flags(&node) && !eof;
    uint64_t iter = now_ns();
    if (streaming && !was_streaming) {
      t0 = iter;
      sent = 0;
    } else if (streaming && iter - last_iter > STALL_NS) {
      t0 += iter - last_iter - STALL_NS;
    }
    last_iter = iter;
    was_streaming = streaming;
    int timeout = -1;
    if (streaming) {
      /* Move every packet that is due into the queue; a full queue drops, as the node's callback does. */
      uint64_t now = now_ns();
      while (!eof && (rate == 0 || (double)(now - t0) >= (double)sent * 1e9 / rate)) {
        csi_packet_t *slot = &queue[(qhead + qlen) % QUEUE_DEPTH];
        csi_packet_t tmp;
        int r = recording_next(&rec, qlen < QUEUE_DEPTH ? slot : &tmp);
        if (r == 0 && loop) {
          recording_rewind(&rec);
          r = recording_next(&rec, qlen < QUEUE_DEPTH ? slot : &tmp);
        }
        if (r < 0) {
          /* recording_open checked the whole file; it changed since. Stop rather than replay garbage. */
          fprintf(stderr, "pose-node-virtual: %s\n", rec.error);
          exit_code = 1;
          stop_requested = 1;
        }
        if (r <= 0) {
          eof = 1;
          break;
        }
        sent++;
        if (qlen < QUEUE_DEPTH) qlen++;
        else node_note_dropped(&node, 1);
        if (rate == 0 && qlen == QUEUE_DEPTH) break;
      }
      node_note_queue_depth(&node, qlen);
      timeout = rate == 0 ? 0 : 1;
    }
    struct pollfd p = {in_fd, POLLIN, 0};
    /* Queued packets wait while streaming is stopped; only drainable ones make the poll non-blocking. */
    int pr = poll(&p, 1, qlen && node_stream_flags(&node) ? 0 : timeout);
    if (pr < 0 && errno != EINTR) break;
    if (pr > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(in_fd, buf, sizeof buf);
      if (n > 0) node_feed(&node, buf, (size_t)n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        if (use_stdio) break; /* the host closed its end */
      }
    }
    while (qlen && node_stream_flags(&node)) {
      node_on_csi(&node, &queue[qhead]);
      qhead = (qhead + 1) % QUEUE_DEPTH;
      qlen--;
    }
  }
  if (replay) recording_close(&rec);
  if (slave_fd >= 0) close(slave_fd);
  if (!use_stdio) close(in_fd);
  return exit_code;
}
