-- Collapsible callouts ("Provenance" notes, `collapse="true"`) as keyboard-operable buttons.
--
-- Quarto (filters/modules/callouts.lua) makes the header of a collapsible callout a <div>
-- with aria-expanded and Bootstrap's collapse toggle. aria-expanded is not allowed on a div
-- without a role (axe-core: aria-allowed-attr, WCAG 4.1.2), and a div takes no keyboard
-- focus. Give the header the role of a button and a place in the tab order; Bootstrap keeps
-- aria-expanded up to date, and _callout-keys.html lets Enter and Space press it.
-- Runs after Quarto has rendered its callouts (`at: post-render` in _quarto.yml).

function Div(el)
  if el.classes:includes("callout-header") and el.attributes["aria-expanded"] ~= nil then
    el.attributes["role"] = "button"
    el.attributes["tabindex"] = "0"
    return el
  end
end
