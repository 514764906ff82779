# Four Python threads, each spinning in its own function: each should get about a quarter.
import sys
import threading
import time


def spin(deadline):
    x = 0
    while time.time() < deadline:
        for i in range(500):
            x += i * i % 7
    return x


def alpha(d):
    return spin(d)


def beta(d):
    return spin(d)


def gamma(d):
    return spin(d)


def delta(d):
    return spin(d)


if __name__ == "__main__":
    deadline = time.time() + float(sys.argv[1])
    threads = [threading.Thread(target=f, args=(deadline,)) for f in (alpha, beta, gamma, delta)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
