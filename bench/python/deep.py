# A CPU-bound Python stack about 30 interpreter frames deep, for bench/python/run.sh.
import sys
import time


def spin(deadline):
    x = 0
    while time.time() < deadline:
        for i in range(1000):
            x += i * i % 7
    return x


def level(n, deadline):
    if n == 0:
        return spin(deadline)
    return level(n - 1, deadline) + 1


if __name__ == "__main__":
    level(int(sys.argv[2]) if len(sys.argv) > 2 else 28, time.time() + float(sys.argv[1]))
