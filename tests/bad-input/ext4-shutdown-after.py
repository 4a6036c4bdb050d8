#!/usr/bin/python3
"""Runs COMMAND, shuts the ext4 file system at MOUNTPOINT down after MS milliseconds (unless
COMMAND exited first), waits for COMMAND and exits with its status. Used by fault-eio.bats.

EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_DEFAULT (0) syncs the file system, then makes every
further change on it fail with EIO: what a disk that stopped working looks like to a program.
The file system is opened and the command started from here, so that the delay is not lost in
the start-up of a separate process on a loaded machine.

Usage: ext4-shutdown-after.py MS MOUNTPOINT COMMAND [ARG...]
Prints "shutdown" to stderr when the shutdown happened while COMMAND was running."""
import fcntl
import os
import struct
import subprocess
import sys
import time

EXT4_IOC_SHUTDOWN = 0x8004587D  # _IOR('X', 125, __u32)
EXT4_GOING_FLAGS_DEFAULT = 0

ms, mountpoint, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
fd = os.open(mountpoint, os.O_RDONLY | os.O_DIRECTORY)
proc = subprocess.Popen(cmd)
deadline = time.monotonic() + ms / 1000
while proc.poll() is None and time.monotonic() < deadline:
    time.sleep(0.001)
if proc.poll() is None:
    fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("I", EXT4_GOING_FLAGS_DEFAULT))
    print("shutdown", file=sys.stderr)
else:
    # Finished first: shut down anyway, so every iteration remounts the same way.
    fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("I", EXT4_GOING_FLAGS_DEFAULT))
sys.exit(proc.wait())
