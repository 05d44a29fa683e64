#!/usr/bin/env python3
"""broker-sim as its own process (`ballast broker-sim`) against hostile sockets (issue 13, item 6).

Against one running broker-sim, in order:
  1. the 25-byte frame with a non-numeric tag, before logon (it used to end the process with an
     uncaught FIX::InvalidMessage),
  2. a frame whose EncodedTextLen (354) points 10^9 bytes past it (QuickFIX 1.15 reads it
     unchecked),
  3. BodyLength 10^9, then 256 MB streamed,
  4. connections that never log on (closed after --logon-timeout-ms),
  5. more of them than --max-pending-connections (closed at once),
and after each: the process is still running, its resident memory has not grown with what was
streamed, and a normal client logs on and gets an ExecutionReport for a NewOrderSingle.
Finally SIGTERM: it must stop cleanly (exit 0).

Usage: hostile_process_test.py --ballast build/tools/ballast --source-dir . [--dir /tmp/x]
Exit 0 when every check holds, 1 otherwise (the reason is printed).
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOH = b'\x01'
failures = []


def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what, flush=True)
    if not ok:
        failures.append(what)


def frame(body: str, begin='FIX.4.4') -> bytes:
    b = body.replace('|', '\x01').encode('latin1')
    head = f'8={begin}'.encode() + SOH + f'9={len(b)}'.encode() + SOH
    cs = sum(head + b) % 256
    return head + b + f'10={cs:03d}'.encode() + SOH


def now():
    t = time.time()
    return time.strftime('%Y%m%d-%H:%M:%S', time.gmtime(t)) + f'.{int(t * 1000) % 1000:03d}'


def connect(port):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.settimeout(5)
    return s


def closed_within(s, seconds):
    """True when the peer closes the connection within `seconds` (reads and drops data)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return True
        if not data:
            return True
    return False


def rss_bytes(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def normal_client_trades(port, n):
    """Logs on as BALLAST, sends a NewOrderSingle, waits for its ExecutionReport, logs out."""
    s = connect(port)
    try:
        s.sendall(frame(f'35=A|34=1|49=BALLAST|52={now()}|56=BROKERSIM|98=0|108=30|141=Y|'))
        buf = b''
        deadline = time.monotonic() + 10
        got_logon = got_er = False
        sent_order = False
        while time.monotonic() < deadline and not got_er:
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            buf += data
            if not got_logon and b'\x0135=A\x01' in buf:
                got_logon = True
            if got_logon and not sent_order:
                s.sendall(frame(f'35=D|34=2|49=BALLAST|52={now()}|56=BROKERSIM|11=P{n}|21=1|'
                                f'55=AAPL|54=1|60={now()}|38=1|40=2|44=1.00|'))
                sent_order = True
            if f'\x0111=P{n}\x01'.encode() in buf and b'\x0135=8\x01' in buf:
                got_er = True
        s.sendall(frame(f'35=5|34=3|49=BALLAST|52={now()}|56=BROKERSIM|'))
        return got_logon, got_er
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ballast', required=True)
    ap.add_argument('--source-dir', required=True, help='where data/intraday is (the tape)')
    ap.add_argument('--dir', default='')
    args = ap.parse_args()
    d = args.dir or tempfile.mkdtemp(prefix='broker_sim_hostile.')
    os.makedirs(d, exist_ok=True)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out = open(os.path.join(d, 'broker-sim.out'), 'w')
    proc = subprocess.Popen(
        [args.ballast, 'broker-sim', '--port', str(port), '--dir', os.path.join(d, 'sim'),
         '--wait-logon-s', '600', '--logon-timeout-ms', '1000', '--max-pending-connections', '4'],
        cwd=args.source_dir, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        up = False
        while time.monotonic() < deadline and proc.poll() is None and not up:
            try:
                connect(port).close()
                up = True
            except OSError:
                time.sleep(0.1)
        check(up, f'broker-sim listens on {port}')
        if not up:
            return 1
        time.sleep(1.2)  # the probe connection above times out
        logon, er = normal_client_trades(port, 0)
        check(logon and er, 'a normal client logs on and gets an ExecutionReport (baseline)')
        rss0 = rss_bytes(proc.pid)

        # 1. the 25-byte frame
        bad = frame('x=1|')
        check(len(bad) == 25, 'the frame is 25 bytes')
        s = connect(port)
        s.sendall(bad)
        check(closed_within(s, 3), 'non-numeric tag before logon: connection closed')
        s.close()
        check(proc.poll() is None, 'broker-sim still running after the non-numeric tag')

        # 2. a data field past the frame
        s = connect(port)
        s.sendall(frame(f'35=A|34=1|49=BALLAST|52={now()}|56=BROKERSIM|98=0|108=30|'
                        '354=1000000000|355=x|'))
        check(closed_within(s, 3), 'EncodedTextLen past the frame before logon: connection closed')
        s.close()
        check(proc.poll() is None, 'broker-sim still running after the bad data length')

        # 3. BodyLength 10^9, then a stream
        s = connect(port)
        s.settimeout(3)
        sent = 0
        try:
            s.sendall(b'8=FIX.4.4' + SOH + b'9=1000000000' + SOH)
            block = b'x' * 65536
            while sent < (256 << 20):
                sent += s.send(block)
        except OSError:
            pass
        s.close()
        check(sent < (32 << 20), f'BodyLength 10^9: closed after {sent} streamed bytes')
        check(proc.poll() is None, 'broker-sim still running after the huge BodyLength')
        rss1 = rss_bytes(proc.pid)
        check(rss1 < rss0 + (32 << 20), f'resident memory {rss0} -> {rss1} bytes')

        # 4. idle connections
        idle = [connect(port) for _ in range(3)]
        t0 = time.monotonic()
        closed = [closed_within(c, 4) for c in idle]
        check(all(closed), f'idle connections closed after the logon timeout '
                           f'({time.monotonic() - t0:.1f} s for 3, timeout 1 s)')
        for c in idle:
            c.close()

        # 5. more pending connections than allowed
        time.sleep(0.3)
        idle = [connect(port) for _ in range(4)]
        time.sleep(0.3)
        extra = connect(port)
        check(closed_within(extra, 0.8), 'a 5th connection not logged on is closed at once')
        for c in idle + [extra]:
            c.close()
        time.sleep(0.5)

        logon, er = normal_client_trades(port, 1)
        check(logon and er, 'a normal client still logs on and gets an ExecutionReport')
        check(proc.poll() is None, 'broker-sim still running at the end')
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()
    check(proc.returncode == 0, f'broker-sim exits 0 on SIGTERM (exit {proc.returncode})')
    if failures:
        print('broker-sim output:\n' + open(os.path.join(d, 'broker-sim.out')).read()[-3000:])
        return 1
    if not args.dir:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
