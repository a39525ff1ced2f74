/**
 * What a benchmark run found: its results and measurements, the goals it is judged by, and the
 * JSON, Markdown and chart forms of the report. Imports {@code targets}.
 */
package dev.stowage.bench.report;
