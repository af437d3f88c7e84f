#!/usr/bin/python3
"""MS-WCCE 3.1.1.4.1.1 sanitized names, written from the specification alone
(an oracle for firmware/custodian/caprop.c's caprop_sanitize and
caprop_sanitize_short). Usage: wcce_sanitize.py NAME (UTF-8) -> two lines,
"full=..." and "short=...".

3.1.1.4.1.1.2 (with the GetConfig remarks' table): each 16-bit character below
0x20 or above 0x7e, or one of !"#%&'()*+,/:;<=>?[\\]^`{|}, becomes "!" and four
hex digits. 3.1.1.4.1.1 / 3.1.1.4.1.1.1: a sanitized name of 52 characters or
more is cut to 51 (an escape the cut splits goes whole), the cut characters are
hashed (rotate the 16-bit hash left by one, add the character) and "-" and the
hash as five decimal digits follow."""
import sys

BAD = set('!"#%&\'()*+,/:;<=>?[\\]^`{|}')


def sanitize(name):
    units = name.encode('utf-16-le')
    out = []
    for i in range(0, len(units), 2):
        u = units[i] | (units[i + 1] << 8)
        if u < 0x20 or u > 0x7e or chr(u) in BAD:
            out.append('!%04x' % u)
        else:
            out.append(chr(u))
    return ''.join(out)


def short(name):
    s = sanitize(name)
    if len(s) < 52:
        return s
    base = s[:51]
    bang = base.rfind('!')
    if bang >= 0 and bang + 5 > 51:
        base = base[:bang]
    h = 0
    for ch in s[len(base):]:
        low = 1 if h & 0x8000 else 0
        h = (((h << 1) | low) + ord(ch)) & 0xffff
    return '%s-%05d' % (base, h)


if __name__ == '__main__':
    n = sys.argv[1]
    print('full=' + sanitize(n))
    print('short=' + short(n))
