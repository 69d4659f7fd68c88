package dev.outpost.control.http;

import dev.outpost.control.Scope;
import java.util.Set;

/** The configured token a request authenticated with: its name (for rate limits and the log) and scopes. */
record Principal(String name, Set<Scope> scopes) {
    boolean may(Scope scope) {
        return scopes.contains(scope) || scopes.contains(Scope.ADMIN)
                || scope == Scope.PURGE && scopes.contains(Scope.PURGE_ALL);
    }
}
