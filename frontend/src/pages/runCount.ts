/** "3 runs", or past the count's cap (a long history is not counted further: the API's
 * count_capped) "more than 1,000 runs". */
export const runCount = (count: number, capped: boolean): string =>
  capped ? `more than ${count.toLocaleString('en')} runs` : `${count} run${count === 1 ? '' : 's'}`
