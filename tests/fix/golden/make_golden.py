#!/usr/bin/env python3
# Run from the repository root: python3 tests/fix/golden/make_golden.py
# Independent oracle for tests/fix/golden: the expected messages written field by field from the
# FIX 4.2/4.4 specs (header 8, 9, 35, then 34 49 52 56; body in ascending tag order as QuickFIX
# serialises a message without a dictionary), BodyLength and CheckSum computed here.
import os
T0='20260102-14:30:00.123'
def ts(ms):
    s=30*60*1000+14*3600*1000+123+ms
    h=s//3600000; m=s//60000%60; sec=s//1000%60; f=s%1000
    return '20260102-%02d:%02d:%02d.%03d'%(h,m,sec,f)
def msg(ver, typ, body, from_ballast):
    hdr=[(35,typ),(34,'7'),(49,'BALLAST' if from_ballast else 'BROKER'),(52,'20260102-14:30:00.456'),(56,'BROKER' if from_ballast else 'BALLAST')]
    body=sorted(body)
    inner=''.join('%d=%s\x01'%f for f in hdr+body)
    head='8=%s\x019=%d\x01'%(ver,len(inner))
    s=head+inner
    return s+'10=%03d\x01'%(sum(s.encode('latin1'))%256)
out={}
for v,p in (('FIX.4.2','fix42_'),('FIX.4.4','fix44_')):
    f42 = v=='FIX.4.2'
    D=[(11,'B1-20260102-000001'),(1,'ACC-1'),(55,'AAPL'),(54,'2'),(40,'2'),(59,'0'),(38,'123.456'),(44,'585.33'),(60,ts(0))]
    if f42: D.append((21,'1'))
    out[p+'D']=msg(v,'D',D,True)
    out[p+'F']=msg(v,'F',[(11,'B1-20260102-000003'),(41,'B1-20260102-000001'),(1,'ACC-1'),(55,'AAPL'),(54,'2'),(38,'123.456'),(60,ts(2000))],True)
    G=[(11,'B1-20260102-000002'),(41,'B1-20260102-000001'),(1,'ACC-1'),(55,'AAPL'),(54,'2'),(40,'2'),(59,'3'),(38,'50.5'),(44,'590.000000001'),(60,ts(1000))]
    if f42: G.append((21,'1'))
    out[p+'G']=msg(v,'G',G,True)
    out[p+'H']=msg(v,'H',[(11,'B1-20260102-000001'),(55,'AAPL'),(54,'2')],True)
    E=[(37,'R1-O7'),(11,'B1-20260102-000001'),(17,'R1-E12'),(150,'1' if f42 else 'F'),(39,'1'),(1,'ACC-1'),(55,'AAPL'),(54,'2'),(40,'2'),(38,'123.456'),(44,'585.33'),(32,'40'),(31,'585.5'),(151,'83.456'),(14,'40'),(6,'585.5'),(60,ts(10))]
    if f42: E.append((20,'0'))
    out[p+'8']=msg(v,'8',E,False)
    R=[(37,'NONE'),(11,'B1-20260102-000009'),(17,'R1-E13'),(150,'8'),(39,'8'),(103,'0' if f42 else '99'),(55,'MSFT'),(54,'1'),(151,'0'),(14,'0'),(6,'0'),(60,ts(11)),(58,'simulated reject')]
    if f42: R.append((20,'0'))
    out[p+'8_reject']=msg(v,'8',R,False)
    out[p+'9']=msg(v,'9',[(37,'R1-O7'),(11,'B1-20260102-000003'),(41,'B1-20260102-000001'),(39,'2'),(1,'ACC-1'),(434,'1'),(102,'0'),(60,ts(20)),(58,'order B1-20260102-000001 is closed')],False)
    out[p+'j']=msg(v,'j',[(372,'D'),(379,'B1-20260102-000004'),(380,'3'),(58,'Unsupported Message Type')],False)
    out[p+'3']=msg(v,'3',[(45,'6'),(372,'D'),(371,'38'),(373,'6'),(58,'Incorrect data format for value')],False)
for k,s in out.items():
    open('tests/fix/golden/%s.txt'%k,'w').write(s.replace('\x01','|')+'\n')
print(len(out))
