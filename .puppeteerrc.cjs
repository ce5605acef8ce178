// memlab (a devDependency used by the engine benchmark and differential tests) pulls in puppeteer,
// whose browser download cannot work on an offline machine. memprobe never drives puppeteer.
module.exports = { skipDownload: true };
