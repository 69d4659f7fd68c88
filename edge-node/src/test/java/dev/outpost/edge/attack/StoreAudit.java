package dev.outpost.edge.attack;

import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import java.nio.charset.StandardCharsets;

/** What the edge's store holds, as text, so a test can assert a canary never landed in it. */
final class StoreAudit {
    private StoreAudit() {
    }

    /** Every stored variant: key, status, headers and body. */
    static String dump(CacheStore store) {
        StringBuilder out = new StringBuilder();
        for (CachedObject o : store.objects()) {
            out.append(o.key()).append(' ').append(o.variant()).append(' ').append(o.status()).append('\n')
                    .append(o.headers()).append('\n');
            byte[] body = new byte[o.body().remaining()];
            o.body().duplicate().get(body);
            out.append(new String(body, StandardCharsets.ISO_8859_1)).append('\n');
        }
        return out.toString();
    }
}
