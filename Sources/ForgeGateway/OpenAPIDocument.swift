/// The OpenAPI 3.1 description of the gateway, served at `GET /openapi.yaml`.
///
/// Kept by hand next to the routes it describes; a test checks that it is served and names every
/// route.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Forge gateway API
  version: 1.0.0
  description: |
    Enqueue, inspect and manage background jobs. Every error is an RFC 9457 problem document
    (`application/problem+json`) that names the offending `field` where there is one; a refused
    request changes nothing. Redis or Postgres being unreachable gives 503 with `Retry-After: 1`.
servers:
  - url: /
security:
  - bearerAuth: []
tags:
  - name: jobs
  - name: queues
  - name: dlq
  - name: schedules
  - name: operations
paths:
  /v1/jobs:
    post:
      tags: [jobs]
      summary: Enqueue one job
      parameters:
        - name: Idempotency-Key
          in: header
          required: false
          description: Used as the job's unique_key (window 24 h unless unique_for_ms is given) when the body has none.
          schema: {type: string, minLength: 1, maxLength: 256}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/JobRequest'}
      responses:
        '201':
          description: Created.
          headers:
            Location: {schema: {type: string}, description: URL of the new job.}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobStateResult'}
        '200':
          description: A job with the same unique key (or Idempotency-Key) exists inside its window; that job is returned.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobStateResult'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '413': {$ref: '#/components/responses/TooLarge'}
        '503': {$ref: '#/components/responses/Unavailable'}
    get:
      tags: [jobs]
      summary: Search job history (Postgres), newest first, keyset pagination
      parameters:
        - {name: queue, in: query, schema: {$ref: '#/components/schemas/QueueName'}}
        - {name: state, in: query, schema: {$ref: '#/components/schemas/JobState'}}
        - {name: type, in: query, schema: {$ref: '#/components/schemas/JobType'}}
        - {name: created_after, in: query, schema: {type: string, format: date-time}}
        - {name: created_before, in: query, schema: {type: string, format: date-time}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 50}}
        - {name: cursor, in: query, description: next_cursor of the previous page, schema: {type: string}}
      responses:
        '200':
          description: One page of jobs.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobList'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/jobs/batch:
    post:
      tags: [jobs]
      summary: Enqueue up to 1000 jobs in one Redis round trip
      description: |
        Valid items are enqueued even when others are refused. The response is 200 whenever the
        body itself is acceptable; each result says what happened to its item, in request order:
        `{id, state, created}` or `{error: problem}` (the problem's field is e.g. `jobs[3].priority`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [jobs]
              properties:
                jobs:
                  type: array
                  minItems: 1
                  maxItems: 1000
                  items: {$ref: '#/components/schemas/JobRequest'}
      responses:
        '200':
          description: Per-item results in request order.
          content:
            application/json:
              schema:
                type: object
                required: [results]
                properties:
                  results:
                    type: array
                    items:
                      oneOf:
                        - $ref: '#/components/schemas/BatchItemResult'
                        - type: object
                          required: [error]
                          properties:
                            error: {$ref: '#/components/schemas/Problem'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '413': {$ref: '#/components/responses/TooLarge'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/jobs/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    get:
      tags: [jobs]
      summary: A job, from Redis while it is live and from Postgres history after
      responses:
        '200':
          description: The job.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Job'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '503': {$ref: '#/components/responses/Unavailable'}
    delete:
      tags: [jobs]
      summary: Cancel a job that has not finished
      responses:
        '200':
          description: Canceled.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobStateResult'}
        '202':
          description: The job is running; its worker cancels it at the next heartbeat.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobStateResult'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '409': {$ref: '#/components/responses/Conflict'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/queues:
    get:
      tags: [queues]
      summary: Every known queue with its depth by state
      responses:
        '200':
          description: Queues sorted by name.
          content:
            application/json:
              schema:
                type: object
                required: [queues]
                properties:
                  queues:
                    type: array
                    items: {$ref: '#/components/schemas/Queue'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/queues/{queue}:
    parameters:
      - {name: queue, in: path, required: true, schema: {$ref: '#/components/schemas/QueueName'}}
    get:
      tags: [queues]
      summary: One queue
      responses:
        '200':
          description: The queue.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Queue'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/queues/{queue}/pause:
    parameters:
      - {name: queue, in: path, required: true, schema: {$ref: '#/components/schemas/QueueName'}}
    post:
      tags: [queues]
      summary: Stop leasing from a queue (enqueueing continues)
      responses:
        '200':
          description: The queue, now paused.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Queue'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/queues/{queue}/resume:
    parameters:
      - {name: queue, in: path, required: true, schema: {$ref: '#/components/schemas/QueueName'}}
    post:
      tags: [queues]
      summary: Restart leasing from a paused queue
      responses:
        '200':
          description: The queue, now running.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Queue'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/dlq:
    get:
      tags: [dlq]
      summary: Dead letters of a queue, most recent first
      parameters:
        - {name: queue, in: query, required: true, schema: {$ref: '#/components/schemas/QueueName'}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 50}}
      responses:
        '200':
          description: Dead jobs.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobList'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/dlq/{id}/retry:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    post:
      tags: [dlq]
      summary: Move a dead letter back to pending with fresh attempts
      responses:
        '200':
          description: Pending again.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobStateResult'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '409': {$ref: '#/components/responses/Conflict'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/dlq/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    delete:
      tags: [dlq]
      summary: Delete a dead letter
      responses:
        '204': {description: Deleted.}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '409': {$ref: '#/components/responses/Conflict'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/schedules:
    get:
      tags: [schedules]
      summary: Every cron schedule, sorted by name
      responses:
        '200':
          description: Schedules.
          content:
            application/json:
              schema:
                type: object
                required: [schedules]
                properties:
                  schedules:
                    type: array
                    items: {$ref: '#/components/schemas/Schedule'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /v1/schedules/{name}:
    parameters:
      - {name: name, in: path, required: true, schema: {$ref: '#/components/schemas/QueueName'}}
    get:
      tags: [schedules]
      summary: One schedule
      responses:
        '200':
          description: The schedule.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Schedule'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '503': {$ref: '#/components/responses/Unavailable'}
    put:
      tags: [schedules]
      summary: Create or replace a schedule
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ScheduleRequest'}
      responses:
        '201':
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Schedule'}
        '200':
          description: Replaced.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Schedule'}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '413': {$ref: '#/components/responses/TooLarge'}
        '503': {$ref: '#/components/responses/Unavailable'}
    delete:
      tags: [schedules]
      summary: Delete a schedule
      responses:
        '204': {description: Deleted.}
        '400': {$ref: '#/components/responses/BadRequest'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        '404': {$ref: '#/components/responses/NotFound'}
        '503': {$ref: '#/components/responses/Unavailable'}
  /openapi.yaml:
    get:
      tags: [operations]
      summary: This document
      security: []
      responses:
        '200':
          description: OpenAPI 3.1 YAML.
          content:
            application/yaml: {schema: {type: string}}
  /livez:
    get:
      tags: [operations]
      summary: Liveness (the process is up)
      security: []
      responses:
        '200': {description: Alive.}
  /readyz:
    get:
      tags: [operations]
      summary: Readiness (Redis and Postgres reachable, not draining)
      security: []
      responses:
        '200': {description: Ready.}
        '503': {description: A dependency is unreachable or the process is draining.}
  /metrics:
    get:
      tags: [operations]
      summary: Prometheus metrics (text format 0.0.4)
      security: []
      responses:
        '200':
          description: Metrics.
          content:
            text/plain: {schema: {type: string}}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: One of the tokens in FORGE_API_TOKENS.
  responses:
    BadRequest:
      description: Malformed JSON, a wrong type, an unknown field or a value out of range; `field` names it.
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
    Unauthorized:
      description: Missing or wrong bearer token.
      headers:
        WWW-Authenticate: {schema: {type: string, const: Bearer}}
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
    NotFound:
      description: No such job, queue or schedule.
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
    Conflict:
      description: The job is not in a state that allows this (already finished, not dead).
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
    TooLarge:
      description: The body is larger than the configured limit (FORGE_MAX_BODY_BYTES, default 2 MiB).
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
    Unavailable:
      description: Redis or Postgres is unreachable; retry after the given delay.
      headers:
        Retry-After: {schema: {type: integer}}
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
  schemas:
    Problem:
      type: object
      required: [type, title, status, detail]
      properties:
        type: {type: string}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        field: {type: string, description: 'The request field at fault, e.g. jobs[3].priority.'}
    QueueName:
      type: string
      pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$'
    JobType:
      type: string
      pattern: '^[A-Za-z0-9_.:-]{1,128}$'
    JobState:
      type: string
      enum: [scheduled, pending, active, retrying, completed, dead, canceled]
    JobRequest:
      type: object
      additionalProperties: false
      required: [type]
      properties:
        type: {$ref: '#/components/schemas/JobType'}
        queue: {allOf: [{$ref: '#/components/schemas/QueueName'}], default: default}
        payload: {description: 'Any JSON value, at most 1 MiB encoded.'}
        priority: {type: integer, minimum: 0, maximum: 9, default: 5, description: Higher runs first.}
        run_at: {type: string, format: date-time, description: Not before this time (RFC 3339). Excludes delay_ms.}
        delay_ms: {type: integer, minimum: 0}
        max_attempts: {type: integer, minimum: 1, maximum: 1000, default: 25}
        timeout_ms: {type: integer, minimum: 1, maximum: 86400000, default: 30000}
        backoff:
          type: object
          additionalProperties: false
          required: [base_ms, cap_ms]
          properties:
            base_ms: {type: integer, minimum: 1}
            cap_ms: {type: integer}
        unique_key: {type: string, minLength: 1, maxLength: 256}
        unique_for_ms: {type: integer, minimum: 1, default: 86400000}
    JobStateResult:
      type: object
      required: [id, state]
      properties:
        id: {type: string, format: uuid}
        state: {oneOf: [{$ref: '#/components/schemas/JobState'}, {type: 'null'}]}
        cancel_requested: {type: boolean}
    BatchItemResult:
      type: object
      required: [id, state, created]
      properties:
        id: {type: string, format: uuid}
        state: {oneOf: [{$ref: '#/components/schemas/JobState'}, {type: 'null'}]}
        created: {type: boolean, description: false when a unique key matched an existing job.}
    Job:
      type: object
      required: [id, queue, type, state, priority, payload, attempts, max_attempts, created_at, run_at,
        started_at, finished_at, last_error, result, errors]
      properties:
        id: {type: string, format: uuid}
        queue: {$ref: '#/components/schemas/QueueName'}
        type: {$ref: '#/components/schemas/JobType'}
        state: {$ref: '#/components/schemas/JobState'}
        priority: {type: integer}
        payload: {description: The JSON value given at enqueue.}
        attempts: {type: integer}
        max_attempts: {type: integer}
        timeout_ms: {type: [integer, 'null']}
        created_at: {type: string, format: date-time}
        run_at: {type: [string, 'null'], format: date-time}
        started_at: {type: [string, 'null'], format: date-time}
        finished_at: {type: [string, 'null'], format: date-time}
        last_error: {type: [string, 'null']}
        result: {description: "The handler's JSON result, or null."}
        unique_key: {type: [string, 'null']}
        errors:
          type: array
          description: One entry per failed attempt, from Postgres history (empty while only Redis knows the job).
          items:
            type: object
            properties:
              attempt: {type: integer}
              at: {type: string, format: date-time}
              message: {type: string}
    JobList:
      type: object
      required: [jobs, next_cursor]
      properties:
        jobs:
          type: array
          items: {$ref: '#/components/schemas/Job'}
        next_cursor: {type: [string, 'null']}
    Queue:
      type: object
      required: [name, paused, counts]
      properties:
        name: {$ref: '#/components/schemas/QueueName'}
        paused: {type: boolean}
        counts:
          type: object
          required: [scheduled, pending, active, retrying, dead, completed]
          properties:
            scheduled: {type: integer}
            pending: {type: integer}
            active: {type: integer}
            retrying: {type: integer}
            dead: {type: integer}
            completed: {type: integer, description: Completions since the queue was created.}
    ScheduleRequest:
      type: object
      additionalProperties: false
      required: [cron, job]
      properties:
        cron: {type: string, description: '5 fields (min hour dom month dow) or 6 with leading seconds.'}
        time_zone: {type: string, default: UTC, description: IANA name such as Europe/Berlin.}
        paused: {type: boolean, default: false}
        job: {$ref: '#/components/schemas/JobTemplate'}
    JobTemplate:
      type: object
      additionalProperties: false
      required: [type]
      properties:
        type: {$ref: '#/components/schemas/JobType'}
        queue: {$ref: '#/components/schemas/QueueName'}
        payload: {description: Any JSON value.}
        priority: {type: integer, minimum: 0, maximum: 9}
        max_attempts: {type: integer, minimum: 1, maximum: 1000}
        timeout_ms: {type: integer, minimum: 1}
    Schedule:
      type: object
      required: [name, cron, time_zone, paused, job, last_fired_at, next_fire_at]
      properties:
        name: {type: string}
        cron: {type: string}
        time_zone: {type: string}
        paused: {type: boolean}
        job: {$ref: '#/components/schemas/JobTemplate'}
        last_fired_at: {type: [string, 'null'], format: date-time}
        next_fire_at: {type: [string, 'null'], format: date-time}
"""#
}
