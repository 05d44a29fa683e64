#!/usr/bin/env python3
"""A raw-TCP FIX acceptor (python3 stdlib only) that plays a hostile broker for Ballast's tests.

It accepts the initiator's connection, answers its Logon with a valid Logon (correct BodyLength
and CheckSum; FIX.4.4 or FIX.4.2), then on the first connection sends one kind of garbage
(--garbage). After that, and on every later connection, it behaves like a minimal well-behaved
broker: it answers TestRequest with Heartbeat, ResendRequest with resends / gap fills, Logout with
Logout, and each NewOrderSingle with one ExecutionReport New (ExecID "ACK-<ClOrdID>").

Garbage kinds (each carried by an otherwise valid ExecutionReport for ClOrdID "GARBAGE-ORDER",
ExecID "GARBAGE-EXEC", sent with the next MsgSeqNum, which it consumes):
  none             no garbage (a well-behaved broker)
  bad_checksum     CheckSum (10) off by one
  bad_body_length  BodyLength (9) five less than the real length
  huge_body_length 9=99999999, the start of a message, then one byte every 20 ms until the
                   initiator disconnects (or --trickle-s elapses)
  missing_tag      ExecutionReport without ExecID (17), a required tag
  unknown_msgtype  the same body with MsgType (35) "ZZ", which no FIX version defines
  non_numeric_tag  an ExecutionReport with a field whose tag is "x"
  bad_data_length  an ExecutionReport with EncodedTextLen (354) 1000000000 and a 1-byte
                   EncodedText (355): QuickFIX 1.15 would read past the frame

Everything the peer receives and sends goes to --record, one line each (SOH shown as '|'):
  IN <msg>  |  OUT <msg>  |  EVENT <text>     (the huge frame is recorded as OUT-PARTIAL <head>)
EVENT lines: "connected N", "logon N seq=S", "garbage KIND seq=S", "eof N", "closed N",
"trickle-stopped N <why>".

It prints "READY <port>" on stdout when listening and exits after --connections connections have
ended, on SIGTERM/SIGINT, or after --timeout seconds.

Usage: raw_fix_peer.py --port 0 --begin FIX.4.4 --sender BROKER --target BALLAST \\
           --garbage bad_checksum --record FILE [--connections 3] [--timeout 30]
           [--trickle-s 15] [--start-seq 1]
"""
import argparse
import datetime
import os
import select
import signal
import socket
import sys
import time

SOH = b'\x01'
GARBAGE_KINDS = ('none', 'bad_checksum', 'bad_body_length', 'huge_body_length', 'missing_tag',
                 'unknown_msgtype', 'non_numeric_tag', 'bad_data_length')
ADMIN_TYPES = {'0', '1', '2', '3', '4', '5', 'A'}


# ------------------------------------------------------------------ codec
def checksum(data: bytes) -> int:
    return sum(data) % 256


def utc_now() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%Y%m%d-%H:%M:%S.') + f'{now.microsecond // 1000:03d}'


def encode(begin: str, fields, body_length_delta=0, checksum_delta=0) -> bytes:
    """fields: [(tag, value)] starting with (35, type); BodyLength and CheckSum are computed."""
    body = b''.join(f'{t}={v}'.encode() + SOH for t, v in fields)
    head = f'8={begin}'.encode() + SOH + f'9={len(body) + body_length_delta}'.encode() + SOH
    cs = (checksum(head + body) + checksum_delta) % 256
    return head + body + f'10={cs:03d}'.encode() + SOH


class ParseError(Exception):
    pass


def split_frames(buf: bytearray):
    """Pops complete frames off buf; returns [(raw bytes, [(tag, value)])]. Raises ParseError on a
    frame that is not valid FIX (bad BodyLength or CheckSum) when it is the first one in buf;
    frames before it are returned first and the bad one stays at the front of buf."""
    out = []
    while True:
        try:
            frame = _pop_frame(buf)
        except ParseError:
            if out:
                return out
            raise
        if frame is None:
            return out
        out.append(frame)


def _pop_frame(buf: bytearray):
    start = buf.find(b'8=')
    if start < 0:
        if len(buf) > 1:
            del buf[:-1]
        return None
    if start > 0:
        del buf[:start]
    first = buf.find(SOH)
    if first < 0:
        return None
    second = buf.find(SOH, first + 1)
    if second < 0:
        return None
    bl = bytes(buf[first + 1:second])
    if not bl.startswith(b'9=') or not bl[2:].isdigit():
        raise ParseError(f'second field is not BodyLength: {bl[:20]!r}')
    length = int(bl[2:])
    if length > 1 << 20:
        raise ParseError(f'BodyLength {length} too large')
    body_end = second + 1 + length
    if len(buf) < body_end + 7:
        return None
    trailer_end = buf.find(SOH, body_end)
    if trailer_end < 0:
        return None
    if buf[body_end:body_end + 3] != b'10=':
        raise ParseError(f'no CheckSum where BodyLength {length} says the body ends')
    raw = bytes(buf[:trailer_end + 1])
    declared = int(raw[body_end + 3:trailer_end])
    if declared != checksum(raw[:body_end]):
        raise ParseError(f'CheckSum {declared} != {checksum(raw[:body_end])}')
    del buf[:trailer_end + 1]
    fields = []
    for part in raw.split(SOH)[:-1]:
        tag, _, value = part.partition(b'=')
        if not tag.isdigit():
            raise ParseError(f'tag {tag!r} is not a number')
        fields.append((int(tag), value.decode('latin-1')))
    return raw, fields


def get(fields, tag, default=None):
    for t, v in fields:
        if t == tag:
            return v
    return default


def show(raw: bytes) -> str:
    return raw.replace(SOH, b'|').decode('latin-1')


# ------------------------------------------------------------------ the peer
class Peer:
    def __init__(self, args):
        self.a = args
        self.next_out = args.start_seq  # next MsgSeqNum we send (kept across connections)
        self.sent = {}             # seq -> (msg type, fields) for resends
        self.rec = open(args.record, 'w', buffering=1, encoding='latin-1')
        self.conn_no = 0
        self.sock = None
        self.buf = bytearray()
        self.heartbeat_s = 30
        self.last_out = time.monotonic()
        self.logged_on = False
        self.stop = False
        self.deadline = time.monotonic() + args.timeout

    def event(self, text):
        self.rec.write(f'EVENT {text}\n')

    def raw_send(self, data: bytes, label='OUT'):
        self.rec.write(f'{label} {show(data)}\n')
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.event(f'send-failed {self.conn_no} {e}')
        self.last_out = time.monotonic()

    def header(self, msg_type, seq, extra=()):
        return [(35, msg_type), (49, self.a.sender), (56, self.a.target), (34, seq),
                (52, utc_now()), *extra]

    def send(self, msg_type, body, record_for_resend=True, **deltas):
        seq = self.next_out
        self.next_out += 1
        fields = self.header(msg_type, seq) + list(body)
        self.sent[seq] = (msg_type, body if record_for_resend else None)
        self.raw_send(encode(self.a.begin, fields, **deltas))
        return seq

    # --- garbage
    def garbage_er_body(self, with_exec_id=True):
        body = [(37, 'GARBAGE-OID'), (11, 'GARBAGE-ORDER')]
        if with_exec_id:
            body.append((17, 'GARBAGE-EXEC'))
        if self.a.begin == 'FIX.4.2':
            body.append((20, '0'))
        body += [(150, '0'), (39, '0'), (55, 'GARB'), (54, '1'), (38, '100'), (151, '100'),
                 (14, '0'), (6, '0'), (60, utc_now())]
        return body

    def send_garbage(self):
        kind = self.a.garbage
        seq = self.next_out
        self.event(f'garbage {kind} seq={seq}')
        if kind == 'bad_checksum':
            self.send('8', self.garbage_er_body(), record_for_resend=False, checksum_delta=1)
        elif kind == 'bad_body_length':
            self.send('8', self.garbage_er_body(), record_for_resend=False, body_length_delta=-5)
        elif kind == 'missing_tag':
            self.send('8', self.garbage_er_body(with_exec_id=False), record_for_resend=False)
        elif kind == 'unknown_msgtype':
            self.send('ZZ', self.garbage_er_body(), record_for_resend=False)
        elif kind == 'non_numeric_tag':
            self.send('8', self.garbage_er_body() + [('x', '1')], record_for_resend=False)
        elif kind == 'bad_data_length':
            # EncodedTextLen far past the end of the message: QuickFIX 1.15 reads EncodedText
            # with that length, unchecked (out of bounds).
            self.send('8', self.garbage_er_body() + [(354, '1000000000'), (355, 'x')],
                      record_for_resend=False)
        elif kind == 'huge_body_length':
            self.next_out += 1
            self.sent[seq] = ('8', None)
            head = (f'8={self.a.begin}'.encode() + SOH + b'9=99999999' + SOH + b'35=8' + SOH +
                    f'49={self.a.sender}'.encode() + SOH + f'56={self.a.target}'.encode() + SOH +
                    f'34={seq}'.encode() + SOH + b'58=')
            self.raw_send(head, label='OUT-PARTIAL')
            self.trickle()

    def trickle(self):
        deadline = time.monotonic() + self.a.trickle_s
        sent = 0
        while not self.stop:
            if time.monotonic() >= min(deadline, self.deadline):
                self.event(f'trickle-stopped {self.conn_no} deadline after {sent} bytes')
                self.close()
                return
            r, _, _ = select.select([self.sock], [], [], 0.02)
            if r and not self.read_and_record_only():
                self.event(f'trickle-stopped {self.conn_no} peer closed after {sent} bytes')
                return
            try:
                self.sock.sendall(b'x')
                sent += 1
            except OSError as e:
                self.event(f'trickle-stopped {self.conn_no} send failed after {sent} bytes: {e}')
                self.close()
                return

    def read_and_record_only(self):
        """While mid-frame we can't answer; record what the initiator says. False on EOF."""
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b''
        if not data:
            self.event(f'eof {self.conn_no}')
            self.close()
            return False
        self.buf += data
        try:
            for raw, _ in split_frames(self.buf):
                self.rec.write(f'IN {show(raw)}\n')
        except ParseError as e:
            self.event(f'unparseable {self.conn_no} {e}')
        return True

    # --- well-behaved broker
    def on_message(self, raw, fields):
        self.rec.write(f'IN {show(raw)}\n')
        mt = get(fields, 35)
        if mt == 'A':
            self.on_logon(fields)
        elif mt == '1':
            self.send('0', [(112, get(fields, 112, ''))])
        elif mt == '2':
            self.on_resend_request(fields)
        elif mt == '5':
            self.send('5', [])
            self.logged_on = False
            self.close()
        elif mt == 'D':
            self.on_new_order(fields)

    def on_logon(self, fields):
        begin = get(fields, 8)
        if begin != self.a.begin:
            self.event(f'wrong-begin-string {self.conn_no} {begin}')
            self.send('5', [(58, f'expected BeginString {self.a.begin}, got {begin}')])
            self.close()
            return
        self.heartbeat_s = int(get(fields, 108, '30'))
        body = [(98, '0'), (108, str(self.heartbeat_s))]
        if get(fields, 141) == 'Y':
            self.next_out = 1
            self.sent.clear()
            body.append((141, 'Y'))
        self.event(f'logon {self.conn_no} seq={get(fields, 34)}')
        self.send('A', body)
        self.logged_on = True
        if self.conn_no == 1 and self.a.garbage != 'none':
            self.send_garbage()

    def on_resend_request(self, fields):
        begin = int(get(fields, 7, '1'))
        end = int(get(fields, 16, '0'))
        last = self.next_out - 1
        if end == 0 or end > last:
            end = last
        gap_start = None
        for seq in range(begin, end + 1):
            mt, body = self.sent.get(seq, (None, None))
            resendable = body is not None and mt not in ADMIN_TYPES
            if resendable:
                if gap_start is not None:
                    self.gap_fill(gap_start, seq)
                    gap_start = None
                fields_out = [(35, mt), (49, self.a.sender), (56, self.a.target), (34, seq),
                              (43, 'Y'), (52, utc_now()), (122, utc_now()), *body]
                self.raw_send(encode(self.a.begin, fields_out))
            elif gap_start is None:
                gap_start = seq
        if gap_start is not None:
            self.gap_fill(gap_start, end + 1)

    def gap_fill(self, seq, new_seq):
        fields = [(35, '4'), (49, self.a.sender), (56, self.a.target), (34, seq), (43, 'Y'),
                  (52, utc_now()), (122, utc_now()), (123, 'Y'), (36, new_seq)]
        self.raw_send(encode(self.a.begin, fields))

    def on_new_order(self, fields):
        cl = get(fields, 11, '')
        qty = get(fields, 38, '0')
        body = [(37, f'RAW-{cl}'), (11, cl), (17, f'ACK-{cl}')]
        if self.a.begin == 'FIX.4.2':
            body.append((20, '0'))
        body += [(150, '0'), (39, '0')]
        if get(fields, 1):
            body.append((1, get(fields, 1)))
        body += [(55, get(fields, 55, '')), (54, get(fields, 54, '1')), (38, qty)]
        if get(fields, 44):
            body.append((44, get(fields, 44)))
        body += [(151, qty), (14, '0'), (6, '0'), (60, utc_now())]
        self.send('8', body)

    # --- connection loop
    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.event(f'closed {self.conn_no}')
            self.sock = None
        self.logged_on = False

    def serve(self, conn):
        self.sock = conn
        self.buf = bytearray()
        self.conn_no += 1
        self.event(f'connected {self.conn_no}')
        while self.sock is not None and not self.stop:
            if time.monotonic() >= self.deadline:
                self.event('timeout')
                self.stop = True
                break
            if self.logged_on and time.monotonic() - self.last_out >= self.heartbeat_s:
                self.send('0', [])
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if not r:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b''
            if not data:
                self.event(f'eof {self.conn_no}')
                self.close()
                break
            self.buf += data
            try:
                frames = split_frames(self.buf)
            except ParseError as e:
                self.event(f'unparseable {self.conn_no} {e}')
                self.close()
                break
            for raw, fields in frames:
                if self.sock is None:
                    break
                self.on_message(raw, fields)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--begin', choices=('FIX.4.4', 'FIX.4.2'), default='FIX.4.4')
    p.add_argument('--sender', required=True, help='our CompID (the initiator\'s TargetCompID)')
    p.add_argument('--target', required=True, help='the initiator\'s SenderCompID')
    p.add_argument('--garbage', choices=GARBAGE_KINDS, required=True)
    p.add_argument('--record', required=True)
    p.add_argument('--connections', type=int, default=1, help='connections to serve, then exit')
    p.add_argument('--timeout', type=float, default=30.0)
    p.add_argument('--trickle-s', type=float, default=15.0)
    p.add_argument('--start-seq', type=int, default=1,
                   help='first MsgSeqNum to send (a broker restarted with its store intact)')
    args = p.parse_args()

    peer = Peer(args)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind((args.host, args.port))
    except OSError as e:
        print(f'raw_fix_peer: cannot listen on {args.host}:{args.port}: {e}', file=sys.stderr)
        return 2
    srv.listen(4)

    def on_signal(signum, _frame):
        peer.stop = True
        peer.event(f'signal {signum}')
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    print(f'READY {srv.getsockname()[1]}', flush=True)
    deadline = peer.deadline
    served = 0
    while not peer.stop and served < args.connections:
        left = deadline - time.monotonic()
        if left <= 0:
            peer.event('timeout')
            break
        try:
            r, _, _ = select.select([srv], [], [], min(left, 0.1))
        except InterruptedError:
            continue
        if not r:
            continue
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer.serve(conn)
        served += 1
    peer.close()
    srv.close()
    peer.rec.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
