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
    const ms = step === 'slow' ? 200 : 1;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve({ sku, stock: 7 }), ms);
      t.unref?.();
    });
  };
  return { lookup, seen };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
