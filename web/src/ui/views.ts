// Which screen shows a route's detail.
import { deleteAccount } from "./deleteaccount";
import type { Route } from "../lib/router";
import type { View } from "./shell";
import { chatView } from "./chat";
import { chatInfo, groupInfo, groupMembers } from "./group";
import { groupBots } from "./botapps";
import { addFriend, addLink, contactCard, createGroup, groupsList, invitations, joinByLink, requests } from "./contacts";
import { broadcast, chatSearch, favorites, scan, search } from "./discover";
import { bottle, bottles, nearby, shake } from "./finds";
import { oaConsole, oaConsoleAccount } from "./oaconsole";
import { oaForum, oaForumThread } from "./oaforum";
import { oaArticle, oaChat, oaHome, oaProfile, oaSubscriptions } from "./officialacct";
import { momentCompose, momentNotifications, momentPost, momentSearch, momentSettings, momentsAlbum, momentsFeed } from "./moments";
import { groupBook, phonebook } from "./addressbook";
import { groupApps, type Tab } from "./groupapps";
import { walletView } from "./wallet";
import { liveCode, liveCodeJoin, liveCodes } from "./livecode";
import { guard } from "./guard";
import { commonMembers, tagBroadcast } from "./outreach";
import { assistantView } from "./assistant";
import { botsView, botView } from "./bots";
import { devices, language, myQr, notifications, password, privacy, profileEdit, qrConfirm } from "./me";

export function detailView(r: Route): View {
  const id = () => BigInt(r.params[0]);
  const at = () => (r.params[1] ? BigInt(r.params[1]) : undefined);
  switch (r.view) {
    case "chat-user":
      return chatView("user", id(), at());
    case "chat-group":
      return chatView("group", id(), at());
    case "chat-search":
      return chatSearch(r.params[0] === "g" ? "group" : "user", BigInt(r.params[1]));
    case "chat-info":
      return chatInfo(id());
    case "group-info":
      return groupInfo(id());
    case "group-members":
      return groupMembers(id());
    case "group-book":
      return groupBook(id());
    case "group-livecodes":
      return liveCodes(id());
    case "group-bots":
      return groupBots(id());
    case "group-guard":
      return guard(id());
    case "common-members":
      return commonMembers();
    case "tag-broadcast":
      return tagBroadcast();
    case "group-assistant":
      return assistantView(id());
    case "livecode":
      return liveCode(id());
    case "livecode-join":
      return liveCodeJoin(r.params[0]);
    case "group-apps":
      return groupApps(id(), (r.params[1] || "announce") as Tab);
    case "phonebook":
      return phonebook();
    case "requests":
      return requests();
    case "add":
      return addFriend();
    case "groups":
      return groupsList();
    case "group-new":
      return createGroup();
    case "invitations":
      return invitations();
    case "contact":
      return contactCard(id());
    case "add-link":
      return addLink(id());
    case "join":
      return joinByLink(r.params[0]);
    case "search":
      return search();
    case "favorites":
      return favorites();
    case "moments":
      return momentsFeed();
    case "moment-new":
      return momentCompose();
    case "moment-notifications":
      return momentNotifications();
    case "moment-settings":
      return momentSettings();
    case "moment-search":
      return momentSearch();
    case "moment-post":
      return momentPost(id());
    case "moment-album":
      return momentsAlbum(id());
    case "broadcast":
      return broadcast();
    case "scan":
      return scan();
    case "nearby":
      return nearby();
    case "shake":
      return shake();
    case "bottles":
      return bottles();
    case "bottle":
      return bottle(id());
    case "profile":
      return profileEdit();
    case "myqr":
      return myQr();
    case "devices":
      return devices();
    case "privacy":
      return privacy();
    case "password":
      return password();
    case "delete-account":
      return deleteAccount();
    case "language":
      return language();
    case "notifications":
      return notifications();
    case "wallet":
      return walletView();
    case "bots":
      return botsView();
    case "bot":
      return botView(id());
    case "oa-console":
      return oaConsole();
    case "oa-console-account":
      return oaConsoleAccount(id());
    case "oa-home":
      return oaHome();
    case "oa-subscriptions":
      return oaSubscriptions();
    case "oa-article":
      return oaArticle(id());
    case "oa-profile":
      return oaProfile({ id: id() });
    case "oa-chat":
      return oaChat(id());
    case "oa-forum":
      return oaForum(id());
    case "oa-forum-post":
      return oaForumThread(id());
    case "oa-scan":
      return oaProfile({ ticket: r.params[0] });
    case "qr-confirm":
      return qrConfirm(r.params[0]);
  }
  return { el: document.createElement("div") };
}
