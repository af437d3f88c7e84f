"""Per program, the system calls a process made after it loaded its own seccomp
filter, from `strace -f -o FILE` traces (platform/seccomp-measure.sh).

    seccomp-measure.py 'TRACE_GLOB' [CALL,CALL...]

A program is argv[0]'s base name and its verb (`ca-ledger serve`); when strace
cut argv[0] short, the trace file's name (cad.PID.txt, ca-ledger.PID.txt) says
it. The lines are read in order: a task's lines that come before its creator's
clone has returned are held until it has; a thread shares its process's state
(the filter covers every thread: TSYNC); a task is forgotten when it exits, so a
reused number starts afresh. For the calls named in the second argument, each
distinct argument list is counted too (paths and addresses folded)."""
import collections
import glob
import os
import re
import sys

LINE = re.compile(r'^(\d+) +(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*)|\+\+\+ (exited|killed).*)$')


def prog_of(args, trace):
    m = re.search(r'\[(.*?)\]', args)
    argv = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)) if m else []
    name = os.path.basename(argv[0]) if argv else '?'
    if not name.startswith('ca'):
        name = os.path.basename(trace).split('.')[0]
    verb = argv[1] if len(argv) > 1 and not argv[1].startswith('-') else ''
    return f'{name} {verb}'.strip()


def fold(rest):
    key = re.sub(r'"/[^"]*"', 'PATH', rest)
    key = re.sub(r'0x[0-9a-f]{6,}', 'ADDR', key)
    key = re.sub(r'\b\d{3,}\b', 'N', key)
    return re.sub(r'<unfinished \.\.\.>|\) += .*$', '', key)[:110]


def scan(trace, counts, details, interest):
    procs = {}   # task -> its process's record {'prog', 'confined'}
    held = collections.defaultdict(list)
    pending = {}
    first = [None]

    def handle(tid, m):
        if m.group(6):
            procs.pop(tid, None)
            return
        if tid not in procs:
            if first[0] is not None:
                held[tid].append(m)
                return
            first[0] = tid
            procs[tid] = {'prog': '?', 'confined': False}
        p = procs[tid]
        if m.group(4):
            name, rest = m.group(4), m.group(5)
            full = rest
            if '<unfinished' in rest:
                pending[tid] = rest
            if p['confined']:
                counts[p['prog']][name] += 1
                if name in interest:
                    details[p['prog']][f'{name}({fold(rest)}'] += 1
        else:
            name, rest = m.group(2), m.group(3)
            full = pending.pop(tid, '') + rest
        r = re.search(r'= (\d+)(?: \(.*\))?\s*$', rest)
        if not r:
            return
        ret = int(r.group(1))
        if name in ('execve', 'execveat') and ret == 0:
            newp = {'prog': prog_of(full, trace), 'confined': False}
            for t, q in list(procs.items()):
                if q is p:
                    procs[t] = newp
        elif name == 'seccomp' and 'SECCOMP_SET_MODE_FILTER' in full and ret == 0:
            p['confined'] = True
        elif name in ('clone', 'clone3', 'fork', 'vfork') and ret > 0:
            procs[ret] = p if 'CLONE_THREAD' in full else dict(p)
            for hm in held.pop(ret, []):
                handle(ret, hm)

    with open(trace, errors='replace') as f:
        for line in f:
            m = LINE.match(line.rstrip('\n'))
            if m:
                handle(int(m.group(1)), m)


def main():
    counts = collections.defaultdict(collections.Counter)
    details = collections.defaultdict(collections.Counter)
    interest = set(sys.argv[2].split(',')) if len(sys.argv) > 2 else set()
    for trace in sorted(glob.glob(sys.argv[1])):
        scan(trace, counts, details, interest)
    for prog in sorted(counts):
        print(f'== {prog}: {len(counts[prog])} distinct calls after its seccomp()')
        print('   ' + ' '.join(sorted(counts[prog])))
        for key, n in sorted(details[prog].items()):
            print(f'    {n:7d} {key}')


if __name__ == '__main__':
    main()
