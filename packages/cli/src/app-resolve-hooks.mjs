// Module resolution hooks for `cohort simulate --app DIR`: an app folder outside this checkout has no
// node_modules of its own, so the packages it imports from Cohort (@cohort/*, @tensorflow/*) are
// resolved from the cohort command's own installation when its folder does not provide them.
let fallbackParent;

export function initialize(data) {
  fallbackParent = data.parentURL;
}

const PROVIDED = /^@(cohort|tensorflow)\//;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!PROVIDED.test(specifier) || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return nextResolve(specifier, { ...context, parentURL: fallbackParent });
  }
}
