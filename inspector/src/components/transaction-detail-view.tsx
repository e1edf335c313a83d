/** One transaction in full: summary, actions, attempts, headers and bodies as received and as passed on. */
import type { TransactionDetail } from '../../../src/inspector/api.js'
import { formatBytes, formatClock, formatDuration } from '../../../src/terminal/format.js'
import { NO_ROUTE } from '../lib/filters.js'
import { AttemptTimeline } from './attempt-timeline.js'
import { BodyDiffView } from './body-diff-view.js'
import { BodyPanel } from './body-panel.js'
import { DetailActions } from './detail-actions.js'
import { DetailSection } from './detail-section.js'
import { HeaderDiffTable } from './header-diff-table.js'
import { TagChips } from './tag-chips.js'
import { statusClassName } from './transaction-row.js'

export interface TransactionDetailViewProps {
  readonly detail: TransactionDetail
  /** Shown while another transaction loads. */
  readonly stale: boolean
  readonly onSelect: (id: string) => void
  readonly proxyHost: string
}

export function TransactionDetailView({ detail, stale, onSelect, proxyHost }: TransactionDetailViewProps) {
  const { summary } = detail
  return (
    <div class={stale ? 'detail stale' : 'detail'} data-id={summary.id}>
      <div class="detail-title">
        <span class="method">{summary.method}</span> <span class="url">{summary.url}</span>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd class={statusClassName(summary.status)}>{summary.status ?? 'none sent'}</dd>
        <dt>Time</dt>
        <dd>
          {formatClock(summary.startedAt)}, took {formatDuration(summary.durationMs)}, {formatBytes(summary.responseBytes)} sent
        </dd>
        <dt>Protocol</dt>
        <dd>
          {summary.protocol} over {summary.scheme}
          {summary.kind === 'websocket' ? ', WebSocket' : ''}
        </dd>
        <dt>Route</dt>
        <dd>
          {summary.route ?? NO_ROUTE} → {summary.target ?? '–'}
        </dd>
        {detail.forwardedUrl !== null && (
          <>
            <dt>Forwarded to</dt>
            <dd class="url">{detail.forwardedUrl}</dd>
          </>
        )}
        {summary.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              <TagChips tags={summary.tags} />
            </dd>
          </>
        )}
        {summary.error !== null && (
          <>
            <dt>Error</dt>
            <dd class="error">
              {summary.error.type}: {summary.error.message}
            </dd>
          </>
        )}
        {detail.faults.length > 0 && (
          <>
            <dt>Faults</dt>
            <dd>{detail.faults.join(', ')}</dd>
          </>
        )}
        {detail.retryNote !== null && (
          <>
            <dt>Retries</dt>
            <dd>{detail.retryNote}</dd>
          </>
        )}
        {detail.ending !== null && detail.ending !== 'completed' && (
          <>
            <dt>Ending</dt>
            <dd class="error">{detail.ending}</dd>
          </>
        )}
      </dl>
      <DetailActions key={summary.id} detail={detail} onSelect={onSelect} proxyHost={proxyHost} />
      {detail.attempts.length > 0 && (
        <DetailSection title={`Attempts (${detail.attempts.length})`}>
          <AttemptTimeline attempts={detail.attempts} totalMs={summary.durationMs} />
        </DetailSection>
      )}
      <DetailSection title="Request headers" note="as received → as forwarded">
        <HeaderDiffTable rows={detail.headers.request} testId="headers-request" beforeLabel="received" afterLabel="forwarded" />
      </DetailSection>
      {detail.requestBody !== null && (
        <DetailSection title="Request body">
          <BodyPanel key={summary.id} body={detail.requestBody} testId="request-body" />
        </DetailSection>
      )}
      <DetailSection title="Response headers" note="as received → as sent">
        <HeaderDiffTable rows={detail.headers.response} testId="headers-response" beforeLabel="received" afterLabel="sent" />
      </DetailSection>
      <DetailSection title="Response body">
        <BodyPanel key={summary.id} body={detail.responseBody} testId="response-body" />
      </DetailSection>
      {detail.previousResponseBody !== null && detail.responseBody !== null && (
        <DetailSection title="Body diff" note="against the previous response of this endpoint" open={false}>
          <BodyDiffView
            key={summary.id}
            before={detail.previousResponseBody}
            after={detail.responseBody}
            previousId={detail.previousId}
            onSelect={onSelect}
          />
        </DetailSection>
      )}
    </div>
  )
}
