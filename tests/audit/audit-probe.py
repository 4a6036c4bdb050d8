# An independent look at the kernel audit state for the tests: AUDIT_GET over NETLINK_AUDIT with
# python3's own socket module. Prints "status ENABLED PID", "socket ERRNO" or "error ERRNO".
import errno
import socket
import struct

AUDIT_GET = 1000
NLMSG_ERROR = 2
NETLINK_AUDIT = 9

try:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
except OSError as e:
    print("socket", errno.errorcode[e.errno])
    raise SystemExit(0)
s.bind((0, 0))
s.settimeout(5)
s.send(struct.pack("=IHHII", 16, AUDIT_GET, 1, 7, 0))  # NLM_F_REQUEST, seq 7
while True:
    data = s.recv(65536)
    length, kind, flags, seq, pid = struct.unpack("=IHHII", data[:16])
    if seq != 7:
        continue
    if kind == NLMSG_ERROR:
        (err,) = struct.unpack("=i", data[16:20])
        if err == 0:
            continue
        print("error", errno.errorcode[-err])
    else:
        # struct audit_status: mask, enabled, failure, pid, ...
        mask, enabled, failure, auditd = struct.unpack("=IIII", data[16:32])
        print("status", enabled, auditd)
    break
