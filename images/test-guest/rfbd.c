/*
 * rfbd: a tiny RFB (VNC) server for vmdesk's test guest.
 *
 * It speaks real RFB 3.8 (banner "RFB 003.008", security type None, ServerInit, raw framebuffer updates) on
 * TCP :5900 so that the controller's readiness probe, its WebSocket proxy and noVNC see a genuine VNC server,
 * without shipping X11 in an initramfs. The framebuffer is a fixed colour pattern. One process per connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define WIDTH 320
#define HEIGHT 200
static const char NAME[] = "vmdesk test guest";

static int bytes_per_pixel = 4;

static int read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, (const char *)buf + put, n - put);
        if (w <= 0) return -1;
        put += (size_t)w;
    }
    return 0;
}

static int skip(int fd, size_t n) {
    char buf[512];
    while (n > 0) {
        size_t chunk = n < sizeof buf ? n : sizeof buf;
        if (read_full(fd, buf, chunk) < 0) return -1;
        n -= chunk;
    }
    return 0;
}

static void put16(unsigned char *p, unsigned v) { p[0] = v >> 8; p[1] = v; }
static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* Sends one raw rectangle (clipped to the framebuffer), or no rectangle when w or h is 0. */
static int send_update(int fd, unsigned x, unsigned y, unsigned w, unsigned h) {
    if (x >= WIDTH || y >= HEIGHT) w = h = 0;
    if (x + w > WIDTH) w = WIDTH - x;
    if (y + h > HEIGHT) h = HEIGHT - y;
    unsigned char head[16] = {0};
    int rects = (w && h) ? 1 : 0;
    put16(head + 2, rects);
    if (!rects) return write_full(fd, head, 4);
    put16(head + 4, x); put16(head + 6, y); put16(head + 8, w); put16(head + 10, h);
    put32(head + 12, 0); /* raw encoding */
    if (write_full(fd, head, 16) < 0) return -1;
    size_t row_bytes = (size_t)w * bytes_per_pixel;
    unsigned char *row = malloc(row_bytes);
    if (!row) return -1;
    for (unsigned j = 0; j < h; j++) {
        for (unsigned i = 0; i < w; i++) {
            /* a gradient: red by column, green by row, little-endian true colour */
            uint32_t px = (((x + i) * 255 / WIDTH) << 16) | (((y + j) * 255 / HEIGHT) << 8) | 0x60;
            for (int b = 0; b < bytes_per_pixel; b++) row[i * bytes_per_pixel + b] = px >> (8 * b);
        }
        if (write_full(fd, row, row_bytes) < 0) { free(row); return -1; }
    }
    free(row);
    return 0;
}

static void serve(int fd) {
    unsigned char buf[64];
    if (write_full(fd, "RFB 003.008\n", 12) < 0 || read_full(fd, buf, 12) < 0) return;
    if (write_full(fd, "\x01\x01", 2) < 0 || read_full(fd, buf, 1) < 0) return; /* one type: None */
    if (write_full(fd, "\0\0\0\0", 4) < 0 || read_full(fd, buf, 1) < 0) return; /* SecurityResult OK, ClientInit */
    unsigned char init[24] = {0};
    put16(init, WIDTH); put16(init + 2, HEIGHT);
    init[4] = 32; init[5] = 24; init[6] = 0; init[7] = 1;     /* bpp, depth, little endian, true colour */
    put16(init + 8, 255); put16(init + 10, 255); put16(init + 12, 255);
    init[14] = 16; init[15] = 8; init[16] = 0;
    put32(init + 20, sizeof NAME - 1);
    if (write_full(fd, init, 24) < 0 || write_full(fd, NAME, sizeof NAME - 1) < 0) return;
    for (;;) {
        unsigned char type;
        if (read_full(fd, &type, 1) < 0) return;
        switch (type) {
        case 0: /* SetPixelFormat */
            if (read_full(fd, buf, 19) < 0) return;
            bytes_per_pixel = buf[3] / 8 ? buf[3] / 8 : 4;
            break;
        case 2: /* SetEncodings */
            if (read_full(fd, buf, 3) < 0) return;
            if (skip(fd, 4u * ((buf[1] << 8) | buf[2])) < 0) return;
            break;
        case 3: { /* FramebufferUpdateRequest */
            if (read_full(fd, buf, 9) < 0) return;
            unsigned x = (buf[1] << 8) | buf[2], y = (buf[3] << 8) | buf[4];
            unsigned w = (buf[5] << 8) | buf[6], h = (buf[7] << 8) | buf[8];
            if (buf[0]) {
                /* incremental: nothing changes; answer after a pause (or sooner if the client speaks) */
                fd_set in;
                FD_ZERO(&in); FD_SET(fd, &in);
                struct timeval pause = {1, 0};
                select(fd + 1, &in, NULL, NULL, &pause);
                w = h = 0;
            }
            if (send_update(fd, x, y, w, h) < 0) return;
            break;
        }
        case 4: if (read_full(fd, buf, 7) < 0) return; break;  /* KeyEvent */
        case 5: if (read_full(fd, buf, 5) < 0) return; break;  /* PointerEvent */
        case 6:                                                 /* ClientCutText */
            if (read_full(fd, buf, 7) < 0) return;
            if (skip(fd, ((uint32_t)buf[3] << 24) | (buf[4] << 16) | (buf[5] << 8) | buf[6]) < 0) return;
            break;
        default:
            fprintf(stderr, "rfbd: unknown client message %u, closing\n", type);
            return;
        }
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 5900;
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 16) < 0) {
        perror("rfbd: bind/listen");
        return 1;
    }
    fprintf(stderr, "rfbd: listening on :%d\n", port);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (fork() == 0) {
            close(s);
            serve(c);
            _exit(0);
        }
        close(c);
    }
}
