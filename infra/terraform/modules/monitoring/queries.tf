# Logs Insights queries for the common questions, saved under <name>/ (CloudWatch > Logs Insights >
# Queries). The services log one JSON object per line: time, level, service, msg, and for requests
# requestId, method, path, status, ms; traceId where tracing is on. Replace the quoted placeholder
# ids before running the two lookups.

locals {
  log_groups = [for s in values(var.services) : s.log_group]
  queries = {
    "errors-by-service" = "fields @timestamp, service, msg | filter level = 'error' or status >= 500 | stats count(*) as errors by service, bin(5m) | sort errors desc"
    "errors-latest"     = "fields @timestamp, service, level, msg, requestId, path, status, err.message | filter level = 'error' or status >= 500 | sort @timestamp desc | limit 50"
    "slowest-requests"  = "fields @timestamp, service, method, path, status, ms, requestId | filter msg = 'request' | sort ms desc | limit 50"
    "request-id"        = "fields @timestamp, service, level, msg, method, path, status, ms, traceId | filter requestId = 'PUT-THE-REQUEST-ID-HERE' | sort @timestamp asc"
    "trace-id"          = "fields @timestamp, service, level, msg, method, path, status, ms, requestId | filter traceId = 'PUT-THE-TRACE-ID-HERE' | sort @timestamp asc"
    "refusals-429-503"  = "fields @timestamp, service, method, path, status | filter msg = 'request' and (status = 429 or status = 503) | stats count(*) as refused by service, status, path, bin(5m) | sort refused desc"
  }
}

resource "aws_cloudwatch_query_definition" "this" {
  for_each        = local.queries
  name            = "${var.name}/${each.key}"
  log_group_names = local.log_groups
  query_string    = each.value
}
