# Python -> C (pb_c_bridge, through ctypes) -> Python: main -> hive -> pb_c_bridge -> bee_callback -> wing.
import ctypes
import sys
import time

lib = ctypes.CDLL(sys.argv[1])
CB = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long)
lib.pb_c_bridge.argtypes = [CB, ctypes.c_long]
lib.pb_c_bridge.restype = ctypes.c_long


def wing(n):
    total = 0
    for i in range(3000):
        total += i * n % 7
    return total


def bee_callback(n):
    return wing(n)


def hive(deadline):
    cb = CB(bee_callback)
    while time.time() < deadline:
        lib.pb_c_bridge(cb, 20)


def main():
    hive(time.time() + float(sys.argv[2]))


if __name__ == "__main__":
    main()
