// A scripted dependency: each call takes the next step of the script
// ('ok', 'fail' or 'slow'), so both clients see exactly the same service.
export function scriptedInventory(steps) {
  let call = 0;
  const seen = [];
  const lookup = (sku) => {
    const step = steps[Math.min(call, steps.length - 1)];
    call++;
    seen.push(step);
    if (step === 'fail') return Promise.reject(new Error(`inventory down (${sku})`));
    // 'slow' never answers, so only the client's timeout ends it; 'ok' answers at once.
    // No timer on either path: a loaded machine cannot change which calls time out.
    if (step === 'slow') return new Promise(() => {});
    return Promise.resolve({ sku, stock: 7 });
  };
  return { lookup, seen };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
