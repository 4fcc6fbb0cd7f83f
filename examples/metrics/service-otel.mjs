// The same service wired to the OpenTelemetry SDK. A MetricReader collects when /metrics is
// requested and serves the data as JSON, so nothing runs on a timer; in production give the
// MeterProvider your exporter's reader instead (an OTLP PeriodicExportingMetricReader, or
// @opentelemetry/exporter-prometheus) and keep the same `instrument` call.
//   node examples/metrics/service-otel.mjs [port]      then: curl localhost:<port>/metrics
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { instrument } from 'breakwater/otel';
import { createApp } from './app.mjs';

class OnRequestReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const reader = new OnRequestReader();
const provider = new MeterProvider({ readers: [reader] });
const app = createApp();
instrument(app.policy, { meter: provider.getMeter('quotes-service'), attributes: { service: 'quotes' } });

const server = await app.listen(
  async (_req, res) => {
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((m) => ({
        name: m.descriptor.name,
        unit: m.descriptor.unit,
        points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
      })),
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metrics, null, 2));
  },
  Number(process.argv[2] ?? 0),
);
console.log(JSON.stringify({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
