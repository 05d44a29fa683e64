#!/usr/bin/env python3
"""Checks the two test peers on their own, with a small FIX initiator written here (no Ballast):

  * jspurefix_acceptor.js (FIX.4.4 and FIX.4.2): logon, one NewOrderSingle answered by New,
    partial fill and full fill with exact quantities and prices, an OrderStatusRequest answered,
    logout, the process exits 0 and its log holds every message both ways.
  * raw_fix_peer.py, each garbage kind, FIX.4.4 and FIX.4.2: the logon answer is valid, the
    garbage arrives exactly as designed (bad CheckSum, short BodyLength, a 9=99999999 frame that
    trickles, an ExecutionReport without ExecID, MsgType ZZ), and the peer then acks an order,
    answers a ResendRequest with a gap fill, and serves a second connection.

Usage: peer_selfcheck.py [--skip-jspurefix]. Exit 0 when every check passed; prints
"N passed, N failed" at the end. The jspurefix part is skipped (and says so) when
tests/interop/node_modules is missing.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import raw_fix_peer as fx  # noqa: E402

RESULTS = {'passed': 0, 'failed': 0, 'skipped': 0}


class Client:
    def __init__(self, port, begin, sender='BALLAST', target='BROKER'):
        self.begin, self.sender, self.target = begin, sender, target
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.buf = bytearray()
        self.seq = 1
        self.pending = []

    def send(self, msg_type, body):
        fields = [(35, msg_type), (49, self.sender), (56, self.target), (34, self.seq),
                  (52, fx.utc_now()), *body]
        self.seq += 1
        self.sock.sendall(fx.encode(self.begin, fields))

    def recv_raw(self, timeout=5.0):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if not data:
            raise EOFError('peer closed')
        return data

    def next_msg(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('no message in time')
            self.buf += self.recv_raw(left)
            self.pending += fx.split_frames(self.buf)
        return self.pending.pop(0)

    def next_of(self, msg_type, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            raw, f = self.next_msg(max(0.01, deadline - time.monotonic()))
            if fx.get(f, 35) == msg_type:
                return f
            if fx.get(f, 35) == '1':
                self.send('0', [(112, fx.get(f, 112))])

    def logon(self):
        self.send('A', [(98, '0'), (108, '30')])
        return self.next_of('A')

    def close(self):
        self.sock.close()


def check(name, cond, detail=''):
    if cond:
        RESULTS['passed'] += 1
        print(f'ok     {name}')
    else:
        RESULTS['failed'] += 1
        print(f'FAILED {name} {detail}')
    return cond


def spawn(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith('READY '):
        p.kill()
        raise RuntimeError(f'{cmd[1]} did not print READY: {line!r} {p.stderr.read()}')
    return p, int(line.split()[1])


def order_body(begin, cl, qty, px):
    body = [(11, cl), (1, 'ACC1')]
    if begin == 'FIX.4.2':
        body.append((21, '1'))
    body += [(55, 'SPY'), (54, '1'), (60, fx.utc_now()), (38, qty), (40, '2'), (44, px),
             (59, '0')]
    return body


def jspurefix_case(begin, tmp):
    log = os.path.join(tmp, f'jspf_{begin}.log')
    p, port = spawn(['node', os.path.join(HERE, 'jspurefix_acceptor.js'), '--port', '0',
                     '--sender', 'BROKER', '--target', 'BALLAST', '--log', log, '--begin', begin,
                     '--timeout', '20'])
    tag = f'jspurefix {begin}'
    try:
        c = Client(port, begin)
        lg = c.logon()
        check(f'{tag}: logon answered', fx.get(lg, 8) == begin and fx.get(lg, 49) == 'BROKER')
        c.send('D', order_body(begin, 'C1', '101', '585.33'))
        ers = [c.next_of('8') for _ in range(3)]
        trade = 'F' if begin == 'FIX.4.4' else None
        want = [  # (ExecType, OrdStatus, LastQty, CumQty, LeavesQty)
            ('0', '0', None, '0', '101'),
            (trade or '1', '1', '50', '50', '51'),
            (trade or '2', '2', '51', '101', '0')]
        for i, (er, w) in enumerate(zip(ers, want)):
            got = (fx.get(er, 150), fx.get(er, 39), fx.get(er, 32), fx.get(er, 14),
                   fx.get(er, 151))
            check(f'{tag}: report {i} {w}', got == w, f'got {got}')
            check(f'{tag}: report {i} ids', fx.get(er, 11) == 'C1' and fx.get(er, 17)
                  and fx.get(er, 37) and fx.get(er, 55) == 'SPY' and fx.get(er, 1) == 'ACC1')
            if w[2] is not None:
                check(f'{tag}: report {i} at the limit', fx.get(er, 31) == '585.33'
                      and fx.get(er, 6) == '585.33', f'{fx.get(er, 31)} {fx.get(er, 6)}')
            if begin == 'FIX.4.2':
                check(f'{tag}: report {i} ExecTransType', fx.get(er, 20) == '0')
        c.send('H', [(11, 'C1'), (55, 'SPY'), (54, '1')])
        st = c.next_of('8')
        check(f'{tag}: status answered', fx.get(st, 11) == 'C1' and fx.get(st, 39) == '2' and
              fx.get(st, 150) == ('I' if begin == 'FIX.4.4' else '2') and fx.get(st, 14) == '101',
              str(st))
        c.send('5', [])
        check(f'{tag}: logout answered', fx.get(c.next_of('5'), 35) == '5')
        c.close()
        rc = p.wait(timeout=10)
        check(f'{tag}: exits 0 after logout', rc == 0, f'rc={rc}')
        lines = open(log, encoding='latin-1').read().splitlines()
        ins = [l for l in lines if l.startswith('IN ')]
        outs = [l for l in lines if l.startswith('OUT ')]
        check(f'{tag}: log has all messages', len(ins) == 4 and len(outs) == 6,
              f'{len(ins)} in, {len(outs)} out')
        check(f'{tag}: no session Reject', not any('|35=3|' in l for l in outs))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def raw_case(begin, kind, tmp):
    rec = os.path.join(tmp, f'raw_{begin}_{kind}.rec')
    p, port = spawn([sys.executable, os.path.join(HERE, 'raw_fix_peer.py'), '--port', '0',
                     '--begin', begin, '--sender', 'BROKER', '--target', 'BALLAST', '--garbage',
                     kind, '--record', rec, '--connections', '2', '--timeout', '20',
                     '--trickle-s', '1'])
    tag = f'raw {begin} {kind}'
    try:
        c = Client(port, begin)
        c.send('A', [(98, '0'), (108, '30')])
        # Read raw bytes: the logon answer, then (for every kind but none and huge_body_length)
        # exactly one more frame, the garbage.
        trailer = re.compile(rb'\x0110=\d{3}\x01')
        frames_wanted = 1 if kind in ('none', 'huge_body_length') else 2
        got = bytearray()
        while len(trailer.findall(got)) < frames_wanted:
            got += c.recv_raw()
        first_end = trailer.search(got).end()
        lg = fx.split_frames(bytearray(got[:first_end]))[0][1]
        check(f'{tag}: valid logon answer', fx.get(lg, 35) == 'A' and fx.get(lg, 8) == begin)
        rest = bytearray(got[first_end:])
        if kind == 'huge_body_length':
            t0 = time.monotonic()
            try:
                while time.monotonic() - t0 < 0.5:
                    rest += c.recv_raw(1.0)
            except (socket.timeout, EOFError):
                pass
            check(f'{tag}: 9=99999999 frame then a trickle',
                  b'9=99999999\x01' in rest and rest.endswith(b'x') and rest.count(b'x') >= 5,
                  repr(bytes(rest[-40:])))
            c.close()
            c = Client(port, begin)
            c.seq = 3
            lg = c.logon()
            check(f'{tag}: second connection logs on', fx.get(lg, 35) == 'A')
        else:
            frame = bytes(rest)
            try:
                parsed = fx.split_frames(bytearray(frame))
                err = None
            except fx.ParseError as e:
                parsed, err = [], str(e)
            if kind == 'bad_checksum':
                check(f'{tag}: CheckSum is wrong', err is not None and 'CheckSum' in err, err)
            elif kind == 'bad_body_length':
                check(f'{tag}: BodyLength is wrong', err is not None and 'BodyLength' in err, err)
            elif kind == 'missing_tag':
                f = parsed[0][1] if parsed else []
                check(f'{tag}: ExecutionReport without ExecID',
                      fx.get(f, 35) == '8' and fx.get(f, 17) is None and fx.get(f, 11))
            elif kind == 'non_numeric_tag':
                check(f'{tag}: a tag that is not a number', err is not None and 'not a number' in err, err)
            elif kind == 'unknown_msgtype':
                f = parsed[0][1] if parsed else []
                check(f'{tag}: MsgType ZZ', fx.get(f, 35) == 'ZZ')
            elif kind == 'none':
                check(f'{tag}: nothing after logon', frame == b'')
        # The peer now behaves: acks an order, gap-fills a resend, answers a logout.
        c.send('D', order_body(begin, 'OK1', '10', '1.5'))
        er = c.next_of('8')
        check(f'{tag}: order acked', fx.get(er, 17) == 'ACK-OK1' and fx.get(er, 39) == '0' and
              fx.get(er, 151) == '10')
        c.send('2', [(7, '1'), (16, '0')])
        gap = c.next_of('4')
        check(f'{tag}: resend request gap-filled', fx.get(gap, 123) == 'Y' and fx.get(gap, 43) == 'Y'
              and fx.get(gap, 34) == '1', str(gap))
        c.send('5', [])
        check(f'{tag}: logout answered', fx.get(c.next_of('5'), 35) == '5')
        c.close()
        if kind != 'huge_body_length':
            # A second connection is served too (as after a reconnect).
            c = Client(port, begin)
            c.seq = 100
            check(f'{tag}: second connection logs on', fx.get(c.logon(), 35) == 'A')
            c.send('5', [])
            c.next_of('5')
            c.close()
        rc = p.wait(timeout=10)
        check(f'{tag}: exits 0', rc == 0, f'rc={rc}')
        text = open(rec, encoding='latin-1').read()
        check(f'{tag}: record has the garbage event and the order',
              (kind == 'none' or f'EVENT garbage {kind} seq=2' in text) and '|11=OK1|' in text)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    skip_js = '--skip-jspurefix' in sys.argv
    with tempfile.TemporaryDirectory(prefix='ballast_peer_selfcheck_') as tmp:
        for begin in ('FIX.4.4', 'FIX.4.2'):
            for kind in fx.GARBAGE_KINDS:
                raw_case(begin, kind, tmp)
        if skip_js:
            RESULTS['skipped'] += 1
        elif not os.path.isdir(os.path.join(HERE, 'node_modules', 'jspurefix')):
            print('skipped jspurefix: tests/interop/node_modules is missing (scripts/setup.sh '
                  '--deps runs npm ci)')
            RESULTS['skipped'] += 1
        else:
            for begin in ('FIX.4.4', 'FIX.4.2'):
                jspurefix_case(begin, tmp)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed, {RESULTS['skipped']} skipped")
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
