# Finds a JDK >= 21 and exports JAVA_HOME (and OUTPOST_JAVA_MAJOR, e.g. 21, and OUTPOST_JAVA_VERSION, e.g.
# 21.0.5, empty when the JDK has no release file); sourced by ./outpost and .ci/run so both pick
# the same one. Order: JAVA_HOME, `java` on PATH, then the usual install folders of Linux distributions (and macOS).
# With OUTPOST_NEED_JAVAC=1 only full JDKs (with javac) qualify, since Maven needs one to build.
#
# The answer is cached, because every `./outpost` call asks: in $OUTPOST_CACHE_DIR/jdk-0 (jdk-1 with
# OUTPOST_NEED_JAVAC=1; default folder ${XDG_CACHE_HOME:-~/.cache}/outpost), keyed by the question (JAVA_HOME, the java on PATH with its links
# resolved, OUTPOST_NEED_JAVAC) and trusted only while the answer still holds: the JDK's bin/java is still there
# (and bin/javac, when asked for) and its release file names the same version. Anything else probes again. The
# cache is an optimisation only: an unwritable or missing cache folder just means probing every time.

outpost_release_version() { # sets outpost_version to JAVA_VERSION of $1/release (e.g. 21.0.5), or empty
    local line
    outpost_version=
    [ -r "$1/release" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            JAVA_VERSION=*) line=${line#JAVA_VERSION=}; outpost_version=${line//\"/}; return 0 ;;
        esac
    done < "$1/release"
}

outpost_java_major() { # prints the major version of the JDK at JAVA_HOME-like folder $1, or nothing
    local line
    outpost_release_version "$1"
    line=$outpost_version
    if [ -z "$line" ]; then # no release file: ask the JVM itself (one start, slower)
        line=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version' || true)
        line=${line##*= }
    fi
    case $line in 1.*) line=${line#1.} ;; esac # 1.8.0_402 is Java 8
    line=${line%%[!0-9]*}
    [ -n "$line" ] && echo "$line"
    return 0
}

outpost_usable_home() { # $1 = candidate JAVA_HOME; sets outpost_major when it qualifies
    local home=$1
    [ -x "$home/bin/java" ] || return 1
    if [ "${OUTPOST_NEED_JAVAC:-0}" = 1 ] && [ ! -x "$home/bin/javac" ]; then return 1; fi
    outpost_major=$(outpost_java_major "$home")
    [ -n "$outpost_major" ] && [ "$outpost_major" -ge 21 ]
}

outpost_probe_jdk() { # the search itself; sets JAVA_HOME and outpost_major
    local candidate path_java
    if [ -n "${JAVA_HOME:-}" ] && outpost_usable_home "$JAVA_HOME"; then
        return 0
    fi
    if path_java=$(command -v java 2>/dev/null); then
        candidate=$(dirname "$(dirname "$(readlink -f "$path_java")")")
        if outpost_usable_home "$candidate"; then JAVA_HOME=$candidate; return 0; fi
    fi
    # Newest first, so a machine with 17, 21 and 25 picks 25.
    for candidate in $(ls -d /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/openjdk* \
            /usr/local/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home 2>/dev/null | sort -rV); do
        if outpost_usable_home "$candidate"; then JAVA_HOME=$candidate; return 0; fi
    done
    echo "outpost: no JDK 21 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /usr/java, /opt)." >&2
    echo "outpost: install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME to it." >&2
    return 1
}

outpost_find_jdk() {
    local cache_dir=${OUTPOST_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/outpost}
    local cache key path_java tag cached_key home major version
    cache=$cache_dir/jdk-${OUTPOST_NEED_JAVAC:-0}
    path_java=$(command -v java 2>/dev/null || true)
    [ -n "$path_java" ] && path_java=$(readlink -f "$path_java")
    key="${JAVA_HOME:-}|$path_java|${OUTPOST_NEED_JAVAC:-0}"
    if [ -r "$cache" ] && { IFS= read -r tag && IFS= read -r cached_key && IFS= read -r home \
            && IFS= read -r major && IFS= read -r version; } < "$cache" \
            && [ "$tag" = "outpost-jdk-cache 1" ] && [ "$cached_key" = "$key" ] && [ -x "$home/bin/java" ] \
            && { [ "${OUTPOST_NEED_JAVAC:-0}" != 1 ] || [ -x "$home/bin/javac" ]; }; then
        outpost_release_version "$home"
        if [ "$outpost_version" = "$version" ]; then
            export JAVA_HOME=$home OUTPOST_JAVA_MAJOR=$major OUTPOST_JAVA_VERSION=$version
            return 0
        fi
    fi
    outpost_probe_jdk || return 1
    export JAVA_HOME OUTPOST_JAVA_MAJOR=$outpost_major
    outpost_release_version "$JAVA_HOME"
    export OUTPOST_JAVA_VERSION=$outpost_version
    # Written whole under a temporary name, then renamed: a concurrent call reads the old file or the new one.
    if mkdir -p "$cache_dir" 2>/dev/null \
            && printf '%s\n' "outpost-jdk-cache 1" "$key" "$JAVA_HOME" "$OUTPOST_JAVA_MAJOR" "$outpost_version" \
                > "$cache.$$" 2>/dev/null; then
        mv -f "$cache.$$" "$cache" 2>/dev/null || rm -f "$cache.$$"
    fi
    return 0
}
