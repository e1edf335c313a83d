import type { StorePlan, StoreReport, StepRunner, TrustAction, TrustStep } from './trust-step.js'

/**
 * Carries out the plans one store at a time through `run`, and says per store what happened:
 * a store is asked first whether it holds the CA (so a second run changes nothing), and a step
 * that fails stops that store only, leaving the command that finishes it by hand.
 */
export async function applyPlans(plans: readonly StorePlan[], action: TrustAction, run: StepRunner): Promise<StoreReport[]> {
  const reports: StoreReport[] = []
  for (const plan of plans) reports.push(await applyPlan(plan, action, run))
  return reports
}

async function applyPlan(plan: StorePlan, action: TrustAction, run: StepRunner): Promise<StoreReport> {
  const { store } = plan
  if (plan.settled !== undefined) return { store, ...plan.settled }
  if (plan.probe !== undefined) {
    const probe = await run(plan.probe.step)
    const present = probe.ok && (plan.probe.expect === undefined || probe.stdout.includes(plan.probe.expect))
    if (action === 'install' && present) return { store, status: 'already', detail: 'already there' }
    if (action === 'uninstall' && !present) return { store, status: 'skipped', detail: 'not there' }
  }
  for (const step of plan.steps) {
    const outcome = await run(step)
    if (!outcome.ok) return { store, status: 'failed', detail: `${stepName(step)}: ${outcome.problem}`, command: plan.manual }
  }
  return { store, status: action === 'install' ? 'installed' : 'removed', detail: plan.done }
}

/** `certutil -A`, `copy to /usr/local/share/ca-certificates/devproxy-….crt`: which step failed. */
function stepName(step: TrustStep): string {
  switch (step.op) {
    case 'run':
      return [step.file, ...step.args.slice(0, 1)].join(' ')
    case 'copy':
      return `copy to ${step.to}`
    case 'remove':
      return `remove ${step.file}`
    case 'mkdir':
      return `make ${step.dir}`
  }
}
