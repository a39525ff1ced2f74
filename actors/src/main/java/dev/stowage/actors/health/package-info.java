/**
 * Whether this ActorSystem's Stowage is ready for traffic, for Pekko Management's health checks:
 * {@link dev.stowage.actors.health.OpenWorkspaces}, the ActorSystem's registry of its open
 * workspaces' health and of the stores they depend on (a {@link dev.stowage.actors.health.StoreProbe}:
 * cluster mode's PostgreSQL); and {@link dev.stowage.actors.health.StowageReadinessCheck}, the
 * readiness check that this module's {@code reference.conf} registers under {@code
 * pekko.management.health-checks.readiness-checks.stowage}. Nothing here depends on Pekko
 * Management: a host that does not run it loads none of this but the registry. Imports {@code
 * common} at most.
 */
package dev.stowage.actors.health;
