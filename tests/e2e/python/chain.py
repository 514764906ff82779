# A CPU-bound pure-Python chain with distinctive names: main -> forage -> nectar.
import sys
import time


def nectar(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def forage(deadline):
    acc = 0
    while time.time() < deadline:
        acc += nectar(2000)
    return acc


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    forage(time.time() + seconds)


if __name__ == "__main__":
    main()
