#!/usr/bin/env python3
"""Sanity check for replies-11: every .eml parses, has a label and an expected.txt,
threading headers match the label, the reference is where the label says, and the
expected text appears in a part (plain, or HTML as rendered)."""
import email, email.policy, json, os, re, sys, html as H
from collections import Counter
d = os.path.dirname(os.path.abspath(__file__))
ROLE_INTENTS = {
    'complainant': {'escalate', 'thanks', 'unclear', 'answer', 'chase', 'new_matter', 'withdraw'},
    'handler': {'formal_response', 'internal_note', 'question', 'update'},
    'third_party': {'third_party'},
}
ANSWERING = {'stage_response', 'acknowledgement', 'handler_question', 'notification', 'none'}
STATES = {'open', 'responded'}
labels = {}
for line in open(os.path.join(d, 'labels.jsonl'), encoding='utf-8'):
    l = json.loads(line); assert l['file'] not in labels; labels[l['file']] = l
emls = sorted(f for f in os.listdir(d) if f.endswith('.eml'))
bad = 0
seen_cases = set()
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
        if p.defects: probs.append(f'part defects {p.defects}')
        if p.get_content_maintype() == 'text':
            p.get_content()
    lab = labels.get(f, {})
    subj = str(m['Subject'])
    has_thr = m['In-Reply-To'] is not None or m['References'] is not None
    texts = []
    for p in m.walk():
        if p.get_content_type() == 'text/plain': texts.append(norm(p.get_content()))
        if p.get_content_type() == 'text/html':
            t = re.sub(r'<br>|</div>|</p>', '\n', p.get_content()); t = H.unescape(re.sub(r'<[^>]+>', '', t)); texts.append(norm(t))
    exp = norm(open(exp_p, encoding='utf-8').read()) if os.path.exists(exp_p) else ''
    if lab:
        if lab['intent'] not in ROLE_INTENTS.get(lab['role'], ()): probs.append('role/intent')
        if lab['answering'] not in ANSWERING or lab['case_state'] not in STATES: probs.append('answering/case_state')
        if lab['threading'] not in ('headers', 'subject_tag', 'none'): probs.append('threading value')
        if (lab['threading'] == 'headers') != has_thr: probs.append('threading mismatch')
        ref = lab['ref']
        if lab['threading'] in ('headers', 'subject_tag'):
            if not ref or ref not in subj: probs.append('ref not in subject')
        else:
            if ref and ref in subj: probs.append('threading none but [ref] in subject')
            if ref:
                org, _, num = ref.split('-')
                if not re.search(rf'(?i)(?<![A-Za-z0-9]){org}[\s./-]?2026[\s./-]?{num}(?!\d)', exp + ' ' + subj):
                    probs.append('labelled ref not written in subject or new text')
            elif lab['role'] != 'complainant': probs.append('no ref on a non-complainant message')
        if lab['role'] == 'handler' and lab['answering'] != 'notification': probs.append('handler answering')
        if lab['answering'] == 'none' and lab['threading'] == 'headers': probs.append('answering none with headers')
        case = ref or (re.search(r'(ALS|PAR)-2026-\d{4}', lab['notes']) or [None])[0]
        if not case or not re.fullmatch(r'(ALS|PAR)-2026-09\d\d', case): probs.append('case reference outside ALS/PAR-2026-0900..0999')
        elif case in seen_cases: probs.append(f'case {case} used twice')
        else: seen_cases.add(case)
    if not exp: probs.append('empty expected')
    elif not any(exp in t for t in texts): probs.append('expected text not found in any part')
    if probs:
        bad += 1; print(f, probs)
for f in labels:
    if f not in emls: bad += 1; print('label without eml', f)
print(f'{len(emls)} eml, {len(labels)} labels, problems: {bad}')
print(Counter(l['role'] for l in labels.values()))
print(Counter((l['role'], l['intent']) for l in labels.values()))
print(Counter(l['threading'] for l in labels.values()))
sys.exit(1 if bad else 0)
