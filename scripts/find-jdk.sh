# Finds a JDK >= 21 and exports JAVA_HOME; sourced by ./outpost and .ci/run so both pick the same one.
# Order: JAVA_HOME, `java` on PATH, then the usual install folders of Linux distributions (and macOS).
# With OUTPOST_NEED_JAVAC=1 only full JDKs (with javac) qualify, since Maven needs one to build.

outpost_java_major() { # prints the major version of the java binary $1, or nothing
    local line
    line=$("$1" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version' || true)
    line=${line##*= }
    line=${line%%.*}
    case $line in ''|*[!0-9]*) return 0 ;; esac
    echo "$line"
}

outpost_usable_home() { # $1 = candidate JAVA_HOME
    local home=$1 major
    [ -x "$home/bin/java" ] || return 1
    if [ "${OUTPOST_NEED_JAVAC:-0}" = 1 ] && [ ! -x "$home/bin/javac" ]; then return 1; fi
    major=$(outpost_java_major "$home/bin/java")
    [ -n "$major" ] && [ "$major" -ge 21 ]
}

outpost_find_jdk() {
    local candidate path_java
    if [ -n "${JAVA_HOME:-}" ] && outpost_usable_home "$JAVA_HOME"; then
        export JAVA_HOME; return 0
    fi
    if path_java=$(command -v java 2>/dev/null); then
        candidate=$(dirname "$(dirname "$(readlink -f "$path_java")")")
        if outpost_usable_home "$candidate"; then export JAVA_HOME=$candidate; return 0; fi
    fi
    # Newest first, so a machine with 17, 21 and 25 picks 25.
    for candidate in $(ls -d /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/openjdk* \
            /usr/local/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home 2>/dev/null | sort -rV); do
        if outpost_usable_home "$candidate"; then export JAVA_HOME=$candidate; return 0; fi
    done
    echo "outpost: no JDK 21 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /usr/java, /opt)." >&2
    echo "outpost: install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME to it." >&2
    return 1
}
