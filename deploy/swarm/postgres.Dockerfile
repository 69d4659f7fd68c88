# The PostgreSQL of the Swarm stack (deploy/stack.yml): Debian's `postgresql` package on the same base image as the
# Outpost image (the debootstrap image of deploy/build-base-image.sh when no registry answers), so nothing is pulled.
# Built with deploy/swarm as the context:
#   docker build -f deploy/swarm/postgres.Dockerfile -t outpost-postgres:local deploy/swarm
ARG BASE=eclipse-temurin:21-jre
FROM ${BASE}
# policy-rc.d keeps the package's postinst from starting a cluster inside the build; the package's own cluster
# (/var/lib/postgresql/<v>/main) is dropped: postgres.sh makes one in the volume on first start.
RUN set -eu; \
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
    rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d /var/lib/postgresql/*/main /etc/postgresql/*/main; \
    ls -d /usr/lib/postgresql/*/bin/postgres
COPY postgres.sh /usr/local/bin/outpost-postgres
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/outpost-postgres"]
CMD ["serve"]
