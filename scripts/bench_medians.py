#!/usr/bin/env python3
# Medians of a scripts/bench_compare.sh output directory: tick-to-order p50 per case and side,
# FIX path (Ballast p50 / raw p50, added p50, throughput). Usage: scripts/bench_medians.py OUT_DIR
import re,sys,statistics
def parse(f):
    t=open(f).read().split('\n')
    res={};sec=None
    for l in t:
        if l.startswith('case A'): sec='A'
        elif l.startswith(' cold:'): sec='B_cold'
        elif l.startswith(' warm: another'): sec='B_warm_other'
        elif l.startswith(' warm: this'): sec='B_warm_same'
        m=re.match(r'\s+(tick -> order|baseline: tick alone)\s+n\s+\d+\s+p50\s+(\d+)',l)
        if m and sec:
            k=sec if m.group(1).startswith('tick') else sec+'_baseline'
            res.setdefault(k,int(m.group(2)))
    return res
if __name__ == '__main__':
    d={}
    for side in ['prev','new']:
        for r in [1,2,3]:
            x=parse(f'{sys.argv[1]}/t2o_{side}_{r}.txt')
            for k,v in x.items(): d.setdefault((side,k),[]).append(v)
    keys=sorted(set(k for s,k in d))
    for k in keys:
        p=d.get(('prev',k),[]); n=d.get(('new',k),[])
        if p and n:
            mp,mn=statistics.median(p),statistics.median(n)
            print(f'{k:22s} prev {p} med {mp}  new {n} med {mn}  {100*(mn-mp)/mp:+.1f}%')


    for side in ['prev','new']:
        ratios=[];added=[];thr=[]
        for r in [1,2,3]:
            t=open(f'{sys.argv[1]}/fix_{side}_{r}.txt').read()
            raws=[float(x) for x in re.findall(r'raw\s+n\s+\d+\s+p50\s+([\d.]+)',t)]
            bs=[float(x) for x in re.findall(r'ballast\s+n\s+\d+\s+p50\s+([\d.]+)',t)]
            for a,b in zip(raws,bs): ratios.append(b/a)
            added+= [float(x) for x in re.findall(r'added p50 ([+-][\d.]+) us',t)]
            thr+= [float(x) for x in re.findall(r'= ([\d.]+) %',t)]
        print(side,'ratio med %.3f'%statistics.median(ratios),'added med %+.1f us'%statistics.median(added),'range',min(added),max(added),'throughput med %.1f%%'%statistics.median(thr))
