// Optional improvement: GOV.UK Frontend's components (error summary focus, buttons). The portal works without it.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
