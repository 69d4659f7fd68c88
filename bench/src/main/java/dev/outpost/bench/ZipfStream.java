package dev.outpost.bench;

/**
 * The request stream of {@code bench/lua/zipf.lua}, reproduced exactly: object numbers 1..n drawn by a Zipf law of
 * exponent s from LuaJIT's {@code math.random} seeded with 7919, as wrk (linked against LuaJIT 2.1) draws them. The
 * generator is LuaJIT's (a Tausworthe generator of period 2^223, {@code lj_prng.c}; seeding as
 * {@code lib_math.c:random_seed}), so a replay sees the same sequence as the edge in {@code bench/run.sh}'s Zipf
 * cells; {@code ZipfStreamTest} pins its first draws to what LuaJIT printed.
 */
final class ZipfStream {
    /** The seed zipf.lua passes to {@code math.randomseed}. */
    static final double WRK_SEED = 7919;

    private final long[] state = new long[4];
    private final double[] cdf;

    ZipfStream(int objects, double s, double seed) {
        cdf = new double[objects];
        double sum = 0;
        for (int k = 1; k <= objects; k++) {
            sum += 1 / Math.pow(k, s);
            cdf[k - 1] = sum;
        }
        for (int k = 0; k < objects; k++) {
            cdf[k] /= sum;
        }
        seed(seed);
    }

    /** The next object number, 1..n, found as zipf.lua finds it (first k with cdf[k] >= u). */
    int next() {
        double u = random();
        int lo = 1;
        int hi = cdf.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid - 1] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** {@code math.random()}: 52 random bits as a double in [0, 1). */
    double random() {
        long bits = (step() & 0x000f_ffff_ffff_ffffL) | 0x3ff0_0000_0000_0000L;
        return Double.longBitsToDouble(bits) - 1.0;
    }

    private void seed(double d) {
        int shifts = 0x11090601; // 64 - k[i] as four 8-bit constants
        for (int i = 0; i < 4; i++) {
            long minimum = 1L << (shifts & 255);
            shifts >>>= 8;
            d = d * 3.14159265358979323846 + 2.7182818284590452354;
            long u = Double.doubleToRawLongBits(d);
            if (Long.compareUnsigned(u, minimum) < 0) {
                u += minimum;
            }
            state[i] = u;
        }
        for (int i = 0; i < 10; i++) {
            step();
        }
    }

    private long step() {
        long r = 0;
        r ^= generate(0, 63, 31, 18);
        r ^= generate(1, 58, 19, 28);
        r ^= generate(2, 55, 24, 7);
        r ^= generate(3, 47, 21, 8);
        return r;
    }

    private long generate(int i, int k, int q, int s) {
        long z = state[i];
        z = (((z << q) ^ z) >>> (k - s)) ^ ((z & (-1L << (64 - k))) << s);
        state[i] = z;
        return z;
    }
}
