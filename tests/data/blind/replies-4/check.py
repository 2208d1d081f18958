#!/usr/bin/env python3
"""Sanity check for replies-4: every .eml parses, has a label and an expected.txt."""
import email, email.policy, json, os, re, sys, html as H
from collections import Counter
d = os.path.dirname(os.path.abspath(__file__))
labels = {}
for line in open(os.path.join(d, 'labels.jsonl'), encoding='utf-8'):
    l = json.loads(line); assert l['file'] not in labels; labels[l['file']] = l
emls = sorted(f for f in os.listdir(d) if f.endswith('.eml'))
bad = 0
def norm(s): return re.sub(r'\s+', ' ', s).strip()
for f in emls:
    raw = open(os.path.join(d, f), 'rb').read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    probs = []
    if f not in labels: probs.append('no label')
    exp_p = os.path.join(d, f[:-4] + '.expected.txt')
    if not os.path.exists(exp_p): probs.append('no expected.txt')
    if m.defects: probs.append(f'defects {m.defects}')
    for p in m.walk():
        if p.get_content_maintype() == 'text':
            p.get_content()
    lab = labels.get(f, {})
    subj = str(m['Subject'])
    if lab and lab['ref'] not in subj: probs.append('ref not in subject')
    has_thr = m['In-Reply-To'] is not None or m['References'] is not None
    if lab and (lab['threading'] == 'headers') != has_thr: probs.append('threading mismatch')
    if lab and (lab['role'], lab['answering'], lab['case_state']) != ('complainant', 'stage_response', 'responded'): probs.append('label fields')
    # expected text must be present in the HTML (as rendered) or the plain part
    exp = norm(open(exp_p, encoding='utf-8').read()) if os.path.exists(exp_p) else ''
    texts = []
    for p in m.walk():
        if p.get_content_type() == 'text/plain': texts.append(norm(p.get_content()))
        if p.get_content_type() == 'text/html':
            t = re.sub(r'<br>|</div>|</p>', '\n', p.get_content()); t = H.unescape(re.sub(r'<[^>]+>', '', t)); texts.append(norm(t))
    if exp and not any(exp in t for t in texts): probs.append('expected text not found in any part')
    if probs:
        bad += 1; print(f, probs)
for f in labels:
    if f not in emls: bad += 1; print('label without eml', f)
print(f'{len(emls)} eml, {len(labels)} labels, problems: {bad}')
print(Counter(l['intent'] for l in labels.values()))
print(Counter(l['threading'] for l in labels.values()))
sys.exit(1 if bad else 0)
