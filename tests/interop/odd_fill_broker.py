#!/usr/bin/env python3
"""A broker on another engine (python3 stdlib, raw sockets): a FIX 4.4 acceptor on 127.0.0.1 that
logs on, acks every NewOrderSingle and fills it at once with one ExecutionReport whose fields come
in the formats MODE chooses. Written by an adversarial tester of issue 13; used by
odd_fill_run_test.py against `ballast run`. Bounded: exits after SECONDS.

usage: odd_fill_broker.py MODE SECONDS LOGFILE     (binds port 0, prints "READY <port>")
MODES:
  odd           formats a broker may send for a fill Ballast must book: LastPx with excess
                decimals or leading zeros, AvgPx 1e2 / +x / -0 / x. / abc / 13 decimals, LastQty
                with trailing or leading zeros or excess decimals (rounded half-even)
  odd2          fills Ballast cannot book mixed with ones it can: LastQty +q, -0 or 30 digits,
                a negative LastPx; and informational oddities: TransactTime garbage or in
                another format, an empty or 40-digit AvgPx
  overflow_qty  LastQty 9e12     overflow_px  LastPx 9e9     zero_px  LastPx 1e-10
Every message in and out goes to LOGFILE ("IN  ..." / "OUT ..."; SOH shown as |)."""
import socket, sys, time, datetime, itertools, select

MODE, SECS, LOG = sys.argv[1], float(sys.argv[2]), sys.argv[3]
SOH = b'\x01'
log = open(LOG, 'a')
seq = itertools.count(1)
execid = itertools.count(1)


def now():
    return datetime.datetime.utcnow().strftime('%Y%m%d-%H:%M:%S.%f')[:-3]


def build(fields):
    body = b''.join(f'{t}={v}'.encode() + SOH for t, v in fields)
    head = b'8=FIX.4.4' + SOH + f'9={len(body)}'.encode() + SOH
    msg = head + body
    return msg + f'10={sum(msg) % 256:03d}'.encode() + SOH


def send(sock, mtype, fields):
    m = build([(35, mtype), (49, 'FAKEBRK'), (56, 'BALLAST'), (34, next(seq)), (52, now())] + fields)
    sock.sendall(m)
    log.write('OUT ' + m.replace(SOH, b'|').decode() + '\n'); log.flush()


def parse(buf):
    msgs = []
    while True:
        i = buf.find(b'\x0110=')
        if i < 0:
            break
        j = buf.find(SOH, i + 4)
        if j < 0:
            break
        raw = buf[:j + 1]
        buf = buf[j + 1:]
        f = {}
        for kv in raw.split(SOH):
            if b'=' in kv:
                k, v = kv.split(b'=', 1)
                f.setdefault(int(k), v.decode(errors='replace'))
        msgs.append((raw, f))
    return msgs, buf


ODD_LASTPX = ['{p}00000000003', '{p}', '{p}0000000000000000000000000000001', '0000000000{p}', '{p}5', '{p}49999999999']
ODD_AVGPX = ['{p}000000000003', '1e2', '+{p}', '-0', '{p}.', 'abc']
ODD_QTY = ['{q}', '{q}.000000000000000', '00000000000000000000000000000{q}', '{q}.0000004', '{q}.0000005']
k = itertools.count()


def fills(sock, f):
    cl, qty, side, sym = f.get(11), f.get(38), f.get(54), f.get(55)
    px = f.get(44, '100')
    oid = 'O' + cl
    send(sock, '8', [(37, oid), (11, cl), (17, f'E{next(execid)}'), (150, '0'), (39, '0'), (55, sym), (54, side),
                     (38, qty), (32, 0), (31, 0), (151, qty), (14, 0), (6, 0), (60, now())])
    n = next(k)
    if MODE == 'odd':
        p = px if '.' in px else px + '.0'
        lastpx = ODD_LASTPX[n % len(ODD_LASTPX)].format(p=p)
        avgpx = ODD_AVGPX[n % len(ODD_AVGPX)].format(p=p)
        lastqty = ODD_QTY[n % len(ODD_QTY)].format(q=qty)
    elif MODE == 'overflow_qty':
        lastpx, avgpx, lastqty = px, px, '9000000000000'
    elif MODE == 'overflow_px':
        lastpx, avgpx, lastqty = '9000000000', '9000000000', qty
    elif MODE == 'odd2':
        p = px
        variants = [('+{q}', p, p, None), ('-0', p, p, None), ('{q}', p, p, '2026-12-06 08:00'),
                    ('{q}', p, p, 'garbage'), ('123456789012345678901234567890', p, p, None),
                    ('{q}', '-' + p, p, None), ('{q}', p, '', None), ('{q}', p, '9' * 40, None)]
        lq, lastpx, avgpx, tt = variants[n % len(variants)]
        lastqty = lq.format(q=qty)
        fields = [(37, oid), (11, cl), (17, f'E{next(execid)}'), (150, 'F'), (39, '2'), (55, sym), (54, side),
                  (38, qty), (32, lastqty), (31, lastpx), (151, 0), (14, qty), (6, avgpx), (60, tt or now())]
        send(sock, '8', fields)
        return
    elif MODE == 'zero_px':
        lastpx, avgpx, lastqty = '0.0000000001', '0', qty
    send(sock, '8', [(37, oid), (11, cl), (17, f'E{next(execid)}'), (150, 'F'), (39, '2'), (55, sym), (54, side),
                     (38, qty), (32, lastqty), (31, lastpx), (151, 0), (14, lastqty if MODE != 'odd' else qty),
                     (6, avgpx), (60, now())])


def main():
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0)); srv.listen(1); srv.settimeout(SECS)
    print(f'READY {srv.getsockname()[1]}', flush=True)
    end = time.time() + SECS
    try:
        sock, _ = srv.accept()
    except socket.timeout:
        return
    buf = b''
    orders = 0
    while time.time() < end:
        r, _, _ = select.select([sock], [], [], 0.5)
        if not r:
            continue
        data = sock.recv(65536)
        if not data:
            log.write('engine closed the connection\n')
            break
        buf += data
        msgs, buf = parse(buf)
        for raw, f in msgs:
            log.write('IN  ' + raw.replace(SOH, b'|').decode(errors='replace') + '\n'); log.flush()
            t = f.get(35)
            if t == 'A':
                send(sock, 'A', [(98, 0), (108, f.get(108, '30'))])
            elif t == '1':
                send(sock, '0', [(112, f.get(112, ''))])
            elif t == '2':
                # resend request: gap fill everything
                send(sock, '4', [(123, 'Y'), (36, next(seq) + 1)])
            elif t == 'D':
                orders += 1
                fills(sock, f)
            elif t in ('F', 'G'):
                send(sock, '9', [(37, 'NONE'), (11, f.get(11)), (41, f.get(41)), (39, '2'), (434, '1' if t == 'F' else '2'), (102, 0)])
            elif t == 'H':
                send(sock, '8', [(37, 'O' + f.get(11, '')), (11, f.get(11)), (17, f'S{next(execid)}'), (150, 'I'), (39, '2'),
                                 (55, f.get(55, 'X')), (54, f.get(54, '1')), (151, 0), (14, 0), (6, 0), (32, 0), (31, 0)])
            elif t == '5':
                send(sock, '5', [])
                break
    log.write(f'orders {orders}\n'); log.close()


main()
