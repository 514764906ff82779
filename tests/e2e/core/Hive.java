// Java fixture for java.sh: main -> forage -> hiveNectar; writes ARG1.ready once warm (1 s: forage
// runs ~10000 times a second, so C2 has compiled both by then).
import java.nio.file.Files;
import java.nio.file.Path;

public class Hive {
	static double hiveNectar(int n) {
		double s = 0;
		for (int i = 0; i < n; i++)
			s += Math.sqrt(i) * 1.0001;
		return s;
	}

	static double forage(int n) {
		double t = 0;
		for (int k = 0; k < 20; k++)
			t += hiveNectar(n);
		return t;
	}

	public static void main(String[] args) throws Exception {
		long end = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
		long warm = System.nanoTime() + 1_000_000_000L;
		boolean ready = false;
		double sink = 0;
		while (System.nanoTime() < end) {
			sink += forage(2000);
			if (!ready && System.nanoTime() > warm) {
				Files.writeString(Path.of(args[1] + ".ready"), "");
				ready = true;
			}
		}
		System.out.println(sink > 0 ? "done" : "");
	}
}
